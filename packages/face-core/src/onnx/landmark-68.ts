import { depthwiseToOihw, hwioToOihw, OnnxGraph, outputSize, samePadding } from './graph.ts';
import { weight, type Weight } from './weights.ts';

/** The training set's mean colour, subtracted before dividing by 255 (face-api's FaceFeatureExtractor). */
const MEAN_RGB = [122.782, 117.001, 104.298];
const LANDMARK_VALUES = 136;

export const LANDMARK_INPUT = 'crops';
export const LANDMARK_OUTPUT = 'landmarks';

/**
 * face-api's 68-point landmark network (`face_landmark_68_model`: four dense blocks of depthwise-separable
 * convs, 7x7 average pooling, one fully connected layer) as an ONNX graph:
 * [n, size, size, 3] RGB in 0..255 (NHWC) -> [n, 136], (x, y) pairs as fractions of the crop's side.
 * `size` is 112, the side face-api trained it at (four stride-2 blocks leave 7x7 for the pooling).
 */
export function buildLandmark68(weights: ReadonlyMap<string, Weight>, size = 112): Uint8Array {
  const g = new OnnxGraph('face_landmark_68');
  const input = g.input(LANDMARK_INPUT, ['n', size, size, 3]);

  /** A conv whose filter is [kh, kw, in, out] (`depthwise`: [kh, kw, c, 1]), TensorFlow's SAME padding. */
  const conv = (x: string, h: number, name: string, stride: number, depthwise: boolean, bias?: string): [string, number] => {
    const shape = weights.get(name)?.shape ?? [];
    const [kh = 0, kw = 0, ci = 0, co = 0] = shape;
    const data = weight(weights, name, shape);
    const [before, after] = samePadding(h, kh, stride);
    const outChannels = depthwise ? ci : co;
    const filter = depthwise
      ? g.floats(depthwiseToOihw(data, shape), [ci, 1, kh, kw])
      : g.floats(hwioToOihw(data, shape), [co, ci, kh, kw]);
    const inputs = [x, filter];
    if (bias) inputs.push(g.floats(weight(weights, bias, [outChannels]), [outChannels]));
    const out = g.node('Conv', inputs, {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: [stride, stride] },
      pads: { ints: [before, before, after, after] },
      ...(depthwise ? { group: { i: ci } } : {}),
    });
    return [out, outputSize(h, kh, stride, [before, after])];
  };
  /** face-api's depthwiseSeparableConv: depthwise 3x3 (stride, SAME), pointwise 1x1, plus bias. */
  const separable = (x: string, h: number, prefix: string, stride: number): [string, number] => {
    const [d, hd] = conv(x, h, `${prefix}/depthwise_filter`, stride, true);
    return conv(d, hd, `${prefix}/pointwise_filter`, 1, false, `${prefix}/bias`);
  };
  /** face-api's denseBlock4 (scaling down by 2); the first block starts with a plain conv. */
  const denseBlock = (x: string, h: number, prefix: string, first: boolean): [string, number] => {
    const [c0, h1] = first
      ? conv(x, h, `${prefix}/conv0/filters`, 2, false, `${prefix}/conv0/bias`)
      : separable(x, h, `${prefix}/conv0`, 2);
    const out1 = g.node('Relu', [c0]);
    const [out2] = separable(out1, h1, `${prefix}/conv1`, 1);
    const [out3] = separable(g.node('Relu', [g.node('Add', [out1, out2])]), h1, `${prefix}/conv2`, 1);
    const in4 = g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, out3])])]);
    const [out4] = separable(in4, h1, `${prefix}/conv3`, 1);
    return [g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, g.node('Add', [out3, out4])])])]), h1];
  };

  // [n, size, size, 3] -> [n, 3, size, size], (x - mean) / 255
  let x = g.node('Transpose', [input], { perm: { ints: [0, 3, 1, 2] } });
  x = g.node('Div', [g.node('Sub', [x, g.floats(MEAN_RGB, [1, 3, 1, 1])]), g.floats([255], [1])]);
  // -> [n, 32, 56, 56] -> [n, 64, 28, 28] -> [n, 128, 14, 14] -> [n, 256, 7, 7]
  let h = size;
  for (let block = 0; block < 4; block++) [x, h] = denseBlock(x, h, `dense${block}`, block === 0);
  // -> [n, 256, 1, 1] -> [n, 256] -> [n, 136]
  x = g.node('AveragePool', [x], { kernel_shape: { ints: [7, 7] }, strides: { ints: [2, 2] } });
  if (outputSize(h, 7, 2, [0, 0]) !== 1) throw new RangeError(`the landmark network needs 112x112 crops, got ${size}x${size}`);
  x = g.node('Flatten', [x], { axis: { i: 1 } });
  const fcWeights = g.floats(weight(weights, 'fc/weights', [256, LANDMARK_VALUES]), [256, LANDMARK_VALUES]);
  x = g.node('MatMul', [x, fcWeights]);
  g.node('Add', [x, g.floats(weight(weights, 'fc/bias', [LANDMARK_VALUES]), [LANDMARK_VALUES])], {}, LANDMARK_OUTPUT);
  g.output(LANDMARK_OUTPUT, ['n', LANDMARK_VALUES]);
  return g.toBytes("face-api's 68-point face landmark network");
}
