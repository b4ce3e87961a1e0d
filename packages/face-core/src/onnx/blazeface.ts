import { cpuFlags, readCpuInfo } from './cpu.ts';
import { ModelLoadError } from '../errors.ts';
import { depthwiseToOihw, hwioToOihw, OnnxGraph, outputSize, samePadding } from './graph.ts';
import type { Weight, WeightGroup } from './weights.ts';

/** The parts of a TensorFlow.js graph model's model.json read here. */
export interface GraphModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightGroup[];
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; i?: string; list?: { i?: string[]; s?: string[] } }>;
}

/** A TensorFlow tensor as translated: its ONNX name, and for 4-D tensors (kept NCHW) the spatial size. */
interface Translated {
  name: string;
  /** [height, width] of an image tensor; undefined for other ranks. */
  hw?: [number, number];
  /** An image tensor's channels: the model's, and as carried here (zeros after the model's; see CHANNEL_BLOCK). */
  channels?: number;
  carried?: number;
}

/**
 * The channel block of ONNX Runtime's blocked (NCHWc) CPU kernels here: 16 with AVX-512, 8 with AVX2
 * (x64 without readable CPU flags is taken as AVX2), 1 where it has none (ARM, others: no padding).
 * `cpuinfo`: /proc/cpuinfo's text, where there is one.
 */
export function nchwcBlock(arch: string = process.arch, cpuinfo: string | null = readCpuInfo()): number {
  if (arch !== 'x64') return 1;
  if (cpuinfo === null) return 8;
  const flags = cpuFlags(cpuinfo);
  return flags.includes('avx512f') ? 16 : flags.includes('avx2') ? 8 : 1;
}

/** [o, i, kh, kw] weights with zero filters up to `oTo` outputs and zero input channels up to `iTo`. */
function padOihw(data: Float32Array, [o, i, kh, kw]: readonly number[], oTo: number, iTo: number): Float32Array {
  const out = new Float32Array(oTo * iTo * kh! * kw!);
  const k = kh! * kw!;
  for (let a = 0; a < o!; a++)
    for (let b = 0; b < i!; b++) out.set(data.subarray((a * i! + b) * k, (a * i! + b + 1) * k), (a * iTo + b) * k);
  return out;
}

export const BLAZEFACE_INPUT = 'input';
export const BLAZEFACE_OUTPUT = 'objects';

/**
 * Translates MediaPipe's BlazeFace as human-models ships it (a TensorFlow.js graph model: `model.json` +
 * weights) into an ONNX graph with the same function: [n, size, size, 3] RGB in [-1, 1] (NHWC) ->
 * [n, anchors, 17] (score logit, box, 6 keypoints per anchor). Image tensors are kept NCHW inside; only
 * the ops this graph uses are translated (convs with bias and relu, depthwise convs, max pooling, pads,
 * adds, and the reshape/concat of the heads), and anything else is refused by name.
 */
export function buildBlazeFace(
  model: GraphModelJson,
  weights: ReadonlyMap<string, Weight>,
  size: number,
  channelBlock = nchwcBlock(),
): Uint8Array {
  const g = new OnnxGraph('blazeface');
  /**
   * Image tensors carry their channels rounded up to a multiple of `channelBlock`, the extra ones all
   * zero (zero filters and biases: relu, max pooling and adds keep them zero). BlazeFace's 24, 28, 42,
   * 56, 72 and 88 channels otherwise keep ONNX Runtime's blocked kernels off most of the network, with
   * layout conversions around each such layer (measured with AVX-512: 1.70-1.84 ms per window, 1.32-1.46
   * padded). The outputs are the same sums with zero terms added: the same numbers (parity.test.ts).
   */
  const carry = (channels: number) => Math.ceil(channels / channelBlock) * channelBlock;
  const nodes = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const done = new Map<string, Translated>();
  const constant = (name: string): Weight => {
    const w = weights.get(name);
    if (!w) throw new ModelLoadError(`BlazeFace: no weight for constant ${name}`);
    return w;
  };
  const ints = (node: TfNode, key: string): number[] => (node.attr?.[key]?.list?.i ?? []).map(Number);
  const text = (s: string | undefined) => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));

  /** Conv or max pooling attributes with TensorFlow's SAME/VALID padding resolved to explicit pads. */
  const window = (node: TfNode, [h, w]: [number, number], [kh, kw]: [number, number]) => {
    const [, sh = 1, sw = 1] = ints(node, 'strides');
    const padding = text(node.attr?.padding?.s);
    if (padding !== 'SAME' && padding !== 'VALID') throw new ModelLoadError(`BlazeFace: ${node.name} has padding ${padding}`);
    const ph = padding === 'SAME' ? samePadding(h, kh, sh) : ([0, 0] as [number, number]);
    const pw = padding === 'SAME' ? samePadding(w, kw, sw) : ([0, 0] as [number, number]);
    return {
      attributes: { kernel_shape: { ints: [kh, kw] }, strides: { ints: [sh, sw] }, pads: { ints: [ph[0], pw[0], ph[1], pw[1]] } },
      hw: [outputSize(h, kh, sh, ph), outputSize(w, kw, sw, pw)] as [number, number],
    };
  };

  const translate = (tfName: string): Translated => {
    const name = tfName.replace(/:0$/, '');
    const known = done.get(name);
    if (known) return known;
    const node = nodes.get(name);
    if (!node) throw new ModelLoadError(`BlazeFace: the graph has no node ${name}`);
    const inputs = node.input ?? [];
    const image = (i: number) => {
      const t = translate(inputs[i]!);
      if (!t.hw || t.channels === undefined || t.carried === undefined)
        throw new ModelLoadError(`BlazeFace: ${node.name} expects an image tensor`);
      return t as Required<Translated>;
    };
    let result: Translated;
    switch (node.op) {
      case 'Placeholder': {
        // [n, size, size, 3] -> [n, 3, size, size]
        result = {
          name: g.node('Transpose', [g.input(BLAZEFACE_INPUT, ['n', size, size, 3])], { perm: { ints: [0, 3, 1, 2] } }),
          hw: [size, size],
          channels: 3,
          carried: 3,
        };
        break;
      }
      case '_FusedConv2D': {
        const fused = (node.attr?.fused_ops?.list?.s ?? []).map(text);
        if (fused[0] !== 'BiasAdd' || fused.length > 2 || (fused[1] !== undefined && fused[1] !== 'Relu')) {
          throw new ModelLoadError(`BlazeFace: ${node.name} fuses ${fused.join('+')}`);
        }
        const x = image(0);
        const filter = constant(inputs[1]!);
        const [kh = 0, kw = 0, ci = 0, co = 0] = filter.shape;
        const { attributes, hw } = window(node, x.hw, [kh, kw]);
        const cop = carry(co);
        const bias = new Float32Array(cop);
        bias.set(constant(inputs[2]!).data as Float32Array);
        const w = padOihw(hwioToOihw(filter.data as Float32Array, filter.shape), [co, ci, kh, kw], cop, x.carried);
        let out = g.node('Conv', [x.name, g.floats(w, [cop, x.carried, kh, kw]), g.floats(bias, [cop])], attributes);
        if (fused[1] === 'Relu') out = g.node('Relu', [out]);
        result = { name: out, hw, channels: co, carried: cop };
        break;
      }
      case 'DepthwiseConv2dNative': {
        const x = image(0);
        const filter = constant(inputs[1]!);
        const [kh = 0, kw = 0, c = 0] = filter.shape;
        const { attributes, hw } = window(node, x.hw, [kh, kw]);
        const w = g.floats(padOihw(depthwiseToOihw(filter.data as Float32Array, filter.shape), [c, 1, kh, kw], x.carried, 1), [
          x.carried,
          1,
          kh,
          kw,
        ]);
        result = { name: g.node('Conv', [x.name, w], { ...attributes, group: { i: x.carried } }), hw, channels: c, carried: x.carried };
        break;
      }
      case 'MaxPool': {
        const x = image(0);
        const [, kh = 1, kw = 1] = ints(node, 'ksize');
        const { attributes, hw } = window(node, x.hw, [kh, kw]);
        result = { name: g.node('MaxPool', [x.name], attributes), hw, channels: x.channels, carried: x.carried };
        break;
      }
      case 'Pad': {
        // TensorFlow's paddings are [[before, after]] per NHWC axis; ONNX wants all befores, then all afters, NCHW.
        const x = image(0);
        const p = Array.from(constant(inputs[1]!).data);
        const nchw = [0, 3, 1, 2];
        const pads = [...nchw.map((axis) => p[2 * axis]!), ...nchw.map((axis) => p[2 * axis + 1]!)];
        // The model's channel padding (zeros after its channels) lands on the zeros carried already.
        if (pads[1] !== 0) throw new ModelLoadError(`BlazeFace: ${node.name} pads channels in front`);
        const channels = x.channels + pads[5]!;
        pads[5] = carry(channels) - x.carried;
        const hwOut: [number, number] = [x.hw[0] + pads[2]! + pads[6]!, x.hw[1] + pads[3]! + pads[7]!];
        result = {
          name: pads.every((v) => v === 0) ? x.name : g.node('Pad', [x.name, g.int64s(pads)]),
          hw: hwOut,
          channels,
          carried: carry(channels),
        };
        break;
      }
      case 'AddV2': {
        const [a, b] = [image(0), image(1)];
        if (a.carried !== b.carried) throw new ModelLoadError(`BlazeFace: ${node.name} adds ${a.carried} and ${b.carried} channels`);
        result = { name: g.node('Add', [a.name, b.name]), hw: a.hw, channels: a.channels, carried: a.carried };
        break;
      }
      case 'Relu': {
        const x = image(0);
        result = { name: g.node('Relu', [x.name]), hw: x.hw, channels: x.channels, carried: x.carried };
        break;
      }
      case 'Reshape': {
        // The heads: [n, h, w, c] -> [n, anchors, values]. The target shape is Pack(batch, a, v), where
        // batch is Shape(x)[0]: ONNX's 0 copies that dimension.
        const x = image(0);
        const pack = nodes.get(inputs[1]!);
        if (pack?.op !== 'Pack' || pack.input?.length !== 3)
          throw new ModelLoadError(`BlazeFace: ${node.name} has an unexpected shape input`);
        const dims = pack.input.slice(1).map((n) => constant(n).data[0]!);
        // The model's channels only (the heads' zeros would be read as anchors).
        const real = x.carried === x.channels ? x.name : g.node('Slice', [x.name, g.int64s([0]), g.int64s([x.channels]), g.int64s([1])]);
        const nhwc = g.node('Transpose', [real], { perm: { ints: [0, 2, 3, 1] } });
        result = { name: g.node('Reshape', [nhwc, g.int64s([0, ...dims])]) };
        break;
      }
      case 'ConcatV2': {
        const axis = constant(inputs[inputs.length - 1]!).data[0]!;
        const parts = inputs.slice(0, -1).map((i) => translate(i));
        if (parts.some((p) => p.hw)) throw new ModelLoadError(`BlazeFace: ${node.name} concatenates image tensors`);
        result = {
          name: g.node(
            'Concat',
            parts.map((p) => p.name),
            { axis: { i: axis } },
          ),
        };
        break;
      }
      case 'Identity': {
        result = translate(inputs[0]!);
        break;
      }
      default:
        throw new ModelLoadError(`BlazeFace: cannot translate ${node.op} (${node.name})`);
    }
    done.set(name, result);
    return result;
  };

  const outputs = model.modelTopology.node.filter((n) => n.op === 'Identity');
  if (outputs.length !== 1) throw new ModelLoadError(`BlazeFace: expected one output, found ${outputs.length}`);
  const out = translate(outputs[0]!.name);
  g.node('Identity', [out.name], {}, BLAZEFACE_OUTPUT);
  g.output(BLAZEFACE_OUTPUT, ['n', 'anchors', 'values']);
  return g.toBytes("MediaPipe's short-range BlazeFace, translated from human-models' TensorFlow.js graph");
}
