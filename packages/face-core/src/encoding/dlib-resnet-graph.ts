import * as tf from '@tensorflow/tfjs';
import { DLIB_MEAN_RGB, DLIB_RESNET_BLOCKS, DLIB_RESNET_STEM } from './dlib-resnet-topology.ts';

/** face-api's parameter layout for dlib's ResNet (see its FaceRecognitionNet). */
interface ConvLayerParams {
  conv: { filters: tf.Tensor4D; bias: tf.Tensor1D };
  scale: { weights: tf.Tensor1D; biases: tf.Tensor1D };
}
interface ResidualLayerParams {
  conv1: ConvLayerParams;
  conv2: ConvLayerParams;
}
export interface DlibResNetParams {
  conv32_down: ConvLayerParams;
  fc: tf.Tensor2D;
  [block: string]: ResidualLayerParams | ConvLayerParams | tf.Tensor2D;
}

// A type alias (not an interface) so tf.tidy accepts it as a TensorContainer.
type FoldedConv = {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
};

/**
 * dlib's ResNet with each conv, bias and affine (batch-norm) layer folded into one fused conv:
 * conv(x, W) * s + (b * s + c) = conv(x, W * s) + (b * s + c). The first conv also absorbs the input
 * normalisation (exact, as it pads nothing). Same function as face-api's forward pass, in about half
 * the kernel launches, which is what dominates on the wasm backend.
 */
export class FoldedDlibResNet {
  private readonly stem: FoldedConv;
  private readonly blocks: { conv1: FoldedConv; conv2: FoldedConv; down: boolean }[];
  private readonly fc: tf.Tensor2D;

  constructor(params: DlibResNetParams) {
    this.stem = tf.tidy(() => {
      const { filter, bias } = fold(params[DLIB_RESNET_STEM] as ConvLayerParams);
      // conv((x - mean) / 255, W) = conv(x, W / 255) - sum_{h,w,c} W[h,w,c,:] * mean[c] / 255
      const mean = tf.tensor1d([...DLIB_MEAN_RGB]).reshape([1, 1, 3, 1]);
      const shift = tf.sum(tf.mul(filter, mean), [0, 1, 2]).div(255);
      return keep({ filter: filter.div(255) as tf.Tensor4D, bias: tf.sub(bias, shift) as tf.Tensor1D });
    });
    this.blocks = DLIB_RESNET_BLOCKS.map(({ name, down }) => {
      const block = params[name] as ResidualLayerParams;
      const [conv1, conv2] = tf.tidy(() => [keep(fold(block.conv1)), keep(fold(block.conv2))]) as [FoldedConv, FoldedConv];
      return { conv1, conv2, down };
    });
    this.fc = tf.keep(params.fc.clone());
  }

  /** [n, 150, 150, 3] RGB in 0..255 -> [n, 128] descriptors (not normalised). */
  predict(input: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let x = conv(input, this.stem, 2, 'valid', 'relu');
      x = tf.maxPool(x, 3, 2, 'valid');
      for (const { conv1, conv2, down } of this.blocks) {
        let out = conv(x, conv1, down ? 2 : 1, down ? 'valid' : 'same', 'relu');
        out = conv(out, conv2, 1, 'same', 'linear');
        let shortcut: tf.Tensor4D = x;
        if (down) {
          shortcut = tf.avgPool(x, 2, 2, 'valid');
          // Zero channels for the doubled width; dlib pads the residual branch's odd spatial edge.
          shortcut = tf.pad(shortcut, [
            [0, 0],
            [0, 0],
            [0, 0],
            [0, out.shape[3] - shortcut.shape[3]],
          ]);
          const dh = shortcut.shape[1] - out.shape[1];
          const dw = shortcut.shape[2] - out.shape[2];
          if (dh > 0 || dw > 0)
            out = tf.pad(out, [
              [0, 0],
              [0, dh],
              [0, dw],
              [0, 0],
            ]);
        }
        x = tf.relu(tf.add(out, shortcut)) as tf.Tensor4D;
      }
      return tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, this.fc);
    });
  }

  dispose(): void {
    tf.dispose([
      this.stem.filter,
      this.stem.bias,
      this.fc,
      ...this.blocks.flatMap((b) => [b.conv1.filter, b.conv1.bias, b.conv2.filter, b.conv2.bias]),
    ]);
  }
}

function fold({ conv: { filters, bias }, scale }: ConvLayerParams): FoldedConv {
  return {
    filter: tf.mul(filters, scale.weights) as tf.Tensor4D, // scale broadcasts over the output-channel axis
    bias: tf.add(tf.mul(bias, scale.weights), scale.biases) as tf.Tensor1D,
  };
}

function keep(c: FoldedConv): FoldedConv {
  return { filter: tf.keep(c.filter), bias: tf.keep(c.bias) };
}

function conv(
  x: tf.Tensor4D,
  { filter, bias }: FoldedConv,
  stride: number,
  pad: 'same' | 'valid',
  activation: 'relu' | 'linear',
): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter, strides: stride, pad, bias, activation });
}
