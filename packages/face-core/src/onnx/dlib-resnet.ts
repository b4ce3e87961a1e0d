import { ENCODER_INPUT_SIZE, ENCODING_LENGTH } from '../encoding/constants.ts';
import { DLIB_MEAN_RGB, DLIB_RESNET_BLOCKS, DLIB_RESNET_STEM } from '../encoding/dlib-resnet-topology.ts';
import { hwioToOihw, OnnxGraph, outputSize } from './graph.ts';
import { quantizeActivation, quantizeConvWeights, type ActivationRange } from './quantize.ts';
import { weight, type Weight } from './weights.ts';

export const DLIB_RESNET_INPUT = 'chips';
export const DLIB_RESNET_OUTPUT = 'descriptors';

/**
 * How the graph computes: in float32 (the network as trained); in int8 (`ranges`: each activation's
 * calibrated range, see scripts/calibrate-encoder-int8.ts); or in float32 with every activation that int8
 * quantizes also given as an output named `probe:<point>` (`probe`, for calibration).
 */
export type DlibResNetPrecision =
  { kind: 'float32' } | { kind: 'int8'; ranges: Readonly<Record<string, ActivationRange>> } | { kind: 'probe' };

/**
 * dlib's ResNet (face-api's `face_recognition_model` weights) as an ONNX graph:
 * [n, 150, 150, 3] RGB in 0..255 (NHWC, as the chips are stored) -> [n, 128] descriptors, not normalised.
 *
 * Each conv, bias and affine (batch-norm) layer is folded into one conv, conv(x, W) * s + (b * s + c) =
 * conv(x, W * s) + (b * s + c), and the first conv also absorbs the input normalisation (exact: it pads
 * nothing). Same function as face-api's forward pass and encoding/dlib-resnet-graph.ts's TensorFlow.js twin.
 *
 * int8: every conv's filters in int8 (a scale per output channel), every activation in uint8 over the
 * range it took on calibration photos, as QuantizeLinear/DequantizeLinear pairs that ONNX Runtime turns
 * into integer convolutions (about 3x faster on a CPU with VNNI; figures in the README).
 */
export function buildDlibResNet(weights: ReadonlyMap<string, Weight>, precision: DlibResNetPrecision = { kind: 'float32' }): Uint8Array {
  const g = new OnnxGraph('dlib_resnet');
  const size = ENCODER_INPUT_SIZE;
  const input = g.input(DLIB_RESNET_INPUT, ['n', size, size, 3]);
  // The scale of each dequantized activation (int8): the convs reading it quantize their bias on it.
  const scales = new Map<string, number>();

  /** Activation `x` at quantization point `name`: as it is, quantized and back (int8), or also an output (probe). */
  const point = (x: string, name: string, known?: ActivationRange): string => {
    if (precision.kind === 'float32') return x;
    if (precision.kind === 'probe') {
      g.output(g.node('Identity', [x], {}, `probe:${name}`), ['n', `${name}:c`, `${name}:h`, `${name}:w`]);
      return x;
    }
    const range = known ?? precision.ranges[name];
    if (!range) throw new RangeError(`no calibrated range for the activation ${name}`);
    const { tensor, scale } = quantizeActivation(g, x, range);
    scales.set(tensor, scale);
    return tensor;
  };

  /** A folded conv of `prefix` ([kh, kw, in, out] filter) on x ([n, in, h, h]); returns the output and its side. */
  const conv = (x: string, h: number, prefix: string, stride: number, same: boolean, stem = false): [string, number, number] => {
    const shape = weights.get(`${prefix}/conv/filters`)?.shape ?? [];
    const [kh = 0, kw = 0, ci = 0, co = 0] = shape;
    const filters = weight(weights, `${prefix}/conv/filters`, [kh, kw, ci, co]);
    const bias = weight(weights, `${prefix}/conv/bias`, [co]);
    const scale = weight(weights, `${prefix}/scale/weights`, [co]);
    const shift = weight(weights, `${prefix}/scale/biases`, [co]);
    // [kh, kw, in, out] -> [out, in, kh, kw], each output channel scaled
    const folded = hwioToOihw(filters, shape);
    const foldedBias = new Float32Array(co);
    const perOutput = ci * kh * kw;
    for (let o = 0; o < co; o++) {
      let b = bias[o]! * scale[o]! + shift[o]!;
      for (let i = o * perOutput; i < (o + 1) * perOutput; i++) {
        folded[i] = folded[i]! * scale[o]!;
        if (stem) {
          // conv((x - mean) / 255, W) = conv(x, W / 255) - sum_{h,w,c} W[o,c,h,w] * mean[c] / 255
          b -= (folded[i]! * DLIB_MEAN_RGB[Math.floor((i - o * perOutput) / (kh * kw))]!) / 255;
          folded[i] = folded[i]! / 255;
        }
      }
      foldedBias[o] = b;
    }
    const pad = same ? (kh - 1) / 2 : 0;
    const inputScale = scales.get(x);
    const { filters: w, bias: b } =
      inputScale === undefined
        ? { filters: g.floats(folded, [co, ci, kh, kw]), bias: g.floats(foldedBias, [co]) }
        : quantizeConvWeights(g, folded, foldedBias, [co, ci, kh, kw], inputScale);
    const out = g.node('Conv', [x, w, b], {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: [stride, stride] },
      pads: { ints: [pad, pad, pad, pad] },
    });
    return [out, outputSize(h, kh, stride, [pad, pad]), co];
  };

  // [n, 150, 150, 3] -> [n, 3, 150, 150]; int8: whole numbers 0..255, quantized exactly
  let x = point(g.node('Transpose', [input], { perm: { ints: [0, 3, 1, 2] } }), 'input', [0, 255]);
  // -> [n, 32, 72, 72] -> max pool -> [n, 32, 35, 35]
  let [out, h, channels] = conv(x, size, DLIB_RESNET_STEM, 2, false, true);
  x = point(g.node('Relu', [out]), 'stem');
  x = point(g.node('MaxPool', [x], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] } }), 'stem_pool');
  h = outputSize(h, 3, 2, [0, 0]);
  for (const { name, down } of DLIB_RESNET_BLOCKS) {
    // down: [n, c, h, h] -> [n, 2c, h', h']; otherwise the shape is kept
    const [a, ha, ca] = conv(x, h, `${name}/conv1`, down ? 2 : 1, !down);
    [out] = conv(point(g.node('Relu', [a]), `${name}/relu1`), ha, `${name}/conv2`, 1, true);
    out = point(out, `${name}/conv2`);
    let shortcut = x;
    if (down) {
      shortcut = g.node('AveragePool', [x], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
      const hs = outputSize(h, 2, 2, [0, 0]);
      // Zero channels for the doubled width; dlib pads the residual branch's odd spatial edge.
      shortcut = g.node('Pad', [shortcut, g.int64s([0, 0, 0, 0, 0, ca - channels, 0, 0])]);
      if (hs > ha) out = g.node('Pad', [out, g.int64s([0, 0, 0, 0, 0, 0, hs - ha, hs - ha])]);
      h = hs;
      channels = ca;
    }
    x = point(g.node('Relu', [g.node('Add', [out, shortcut])]), `${name}/out`);
  }
  // [n, 256, h, h] -> [n, 256] -> [n, 128]
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: { i: 1 } });
  const fc = weight(weights, 'fc', [channels, ENCODING_LENGTH]);
  g.node('MatMul', [pooled, g.floats(fc, [channels, ENCODING_LENGTH])], {}, DLIB_RESNET_OUTPUT);
  g.output(DLIB_RESNET_OUTPUT, ['n', ENCODING_LENGTH]);
  return g.toBytes(`dlib's face recognition ResNet, face-api's weights, batch norm folded${precision.kind === 'int8' ? ', int8' : ''}`);
}
