import type { OnnxGraph } from './graph.ts';

/** The range [min, max] an activation took on calibration photos. */
export type ActivationRange = readonly [number, number];

/**
 * Quantizes activation `x` to uint8 over `range` (widened to include 0, so that 0 is exact: ReLU outputs
 * and padding) and back: QuantizeLinear then DequantizeLinear, the QDQ form ONNX Runtime fuses with the
 * convolutions around it into integer kernels (QLinearConv). Returns the dequantized tensor and its scale.
 */
export function quantizeActivation(g: OnnxGraph, x: string, [min, max]: ActivationRange): { tensor: string; scale: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = (hi - lo) / 255 || 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  const s = g.floats([scale], []);
  const z = g.uint8s([zeroPoint], []);
  return { tensor: g.node('DequantizeLinear', [g.node('QuantizeLinear', [x, s, z]), s, z]), scale };
}

/**
 * A conv's filters ([out, in, kh, kw], flat) as int8 with one symmetric scale per output channel
 * (max |w| -> 127), and its bias as int32 on the scale input x filter (what QLinearConv accumulates in).
 * Returns the dequantized filter and bias tensors, to feed a float Conv node.
 */
export function quantizeConvWeights(
  g: OnnxGraph,
  filters: Float32Array,
  bias: Float32Array,
  dims: readonly number[],
  inputScale: number,
): { filters: string; bias: string } {
  const outputs = bias.length;
  const perOutput = filters.length / outputs;
  const q = new Int8Array(filters.length);
  const filterScale = new Float32Array(outputs);
  const biasScale = new Float32Array(outputs);
  const qBias = new Int32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let largest = 0;
    for (let i = o * perOutput; i < (o + 1) * perOutput; i++) largest = Math.max(largest, Math.abs(filters[i]!));
    const s = largest / 127 || 1;
    filterScale[o] = s;
    for (let i = o * perOutput; i < (o + 1) * perOutput; i++) q[i] = Math.round(filters[i]! / s);
    biasScale[o] = inputScale * s;
    const b = Math.round(bias[o]! / biasScale[o]!);
    // An Int32Array would wrap silently (a channel with near-zero filters under a large bias).
    if (Math.abs(b) >= 2 ** 31) throw new RangeError(`bias ${bias[o]} of output ${o} does not fit int32 on the scale ${biasScale[o]}`);
    qBias[o] = b;
  }
  const axis = { axis: { i: 0 } };
  return {
    filters: g.node(
      'DequantizeLinear',
      [g.int8s(q, dims), g.floats(filterScale, [outputs]), g.int8s(new Int8Array(outputs), [outputs])],
      axis,
    ),
    bias: g.node(
      'DequantizeLinear',
      [g.int32s(qBias, [outputs]), g.floats(biasScale, [outputs]), g.int32s(new Int32Array(outputs), [outputs])],
      axis,
    ),
  };
}
