// dlib's face recognition ResNet, as both of its builders read it: encoding/dlib-resnet-graph.ts
// (TensorFlow.js) and onnx/dlib-resnet.ts (ONNX Runtime). One topology, two builders.
//
// [n, 150, 150, 3] RGB 0..255 -> stem conv32_down (7x7, stride 2) + relu -> max pool 3x3/2
// -> residual blocks below -> global average pool -> fc [256, 128] -> [n, 128] (not normalised).

/** Residual blocks in order (face-api's parameter names); `down` blocks halve the resolution and double the channels. */
export const DLIB_RESNET_BLOCKS: readonly { readonly name: string; readonly down: boolean }[] = [
  ...['conv32_1', 'conv32_2', 'conv32_3'].map((name) => ({ name, down: false })),
  { name: 'conv64_down', down: true },
  ...['conv64_1', 'conv64_2', 'conv64_3'].map((name) => ({ name, down: false })),
  { name: 'conv128_down', down: true },
  ...['conv128_1', 'conv128_2'].map((name) => ({ name, down: false })),
  { name: 'conv256_down', down: true },
  ...['conv256_1', 'conv256_2'].map((name) => ({ name, down: false })),
  { name: 'conv256_down_out', down: true },
];

/** The stem conv's parameter name. */
export const DLIB_RESNET_STEM = 'conv32_down';

/** dlib's input normalisation: subtract the training set's mean colour, divide by 255 (folded into the stem). */
export const DLIB_MEAN_RGB: readonly [number, number, number] = [122.782, 117.001, 104.298];
