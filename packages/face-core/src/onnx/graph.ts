import {
  AttributeType,
  DataType,
  encodeModel,
  type AttributeMessage,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
} from './proto.ts';

/** The operator set our graphs are written against (every op used exists unchanged since 13). */
export const OPSET = 13;
const IR_VERSION = 7;

/** An attribute value: `{ i }` an integer, `{ f }` a float, `{ ints }` / `{ floats }` lists, `{ s }` a string. */
export type Attribute = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string };

/** A dimension: a size, or a name for a size given at run time (the batch). */
export type Dim = number | string;

/**
 * Builds one ONNX graph in memory: weights become initializers, every node one output. Tensor names are
 * generated (`<op>_<n>`) unless given.
 */
export class OnnxGraph {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private count = 0;

  constructor(private readonly name: string) {}

  /** Declares a float input of the graph; returns its name. */
  input(name: string, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Marks `tensor` as a float output of the graph, under its own name. */
  output(tensor: string, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(tensor, dims));
  }

  /** A float32 weight. */
  floats(data: Float32Array | readonly number[], dims: readonly number[], name = this.fresh('w')): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    if (values.length !== dims.reduce((a, b) => a * b, 1))
      throw new RangeError(`${name}: ${values.length} values for shape [${dims.join(', ')}]`);
    this.initializers.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytesOf(values) });
    return name;
  }

  /** An int64 constant (pads, shapes). */
  int64s(values: readonly number[], name = this.fresh('i')): string {
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: bytesOf(BigInt64Array.from(values, BigInt)) });
    return name;
  }

  /** An int8 weight (quantized filters). */
  int8s(values: Int8Array, dims: readonly number[], name = this.fresh('q')): string {
    this.initializers.push({ name, dims: [...dims], dataType: DataType.INT8, rawData: bytesOf(values) });
    return name;
  }

  /** A uint8 constant (activation zero points). */
  uint8s(values: readonly number[], dims: readonly number[], name = this.fresh('z')): string {
    this.initializers.push({ name, dims: [...dims], dataType: DataType.UINT8, rawData: Uint8Array.from(values) });
    return name;
  }

  /** An int32 weight (quantized biases). */
  int32s(values: Int32Array, dims: readonly number[], name = this.fresh('b')): string {
    this.initializers.push({ name, dims: [...dims], dataType: DataType.INT32, rawData: bytesOf(values) });
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    output = this.fresh(opType.toLowerCase()),
  ): string {
    this.nodes.push({
      name: output,
      opType,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** The serialised model (what a .onnx file holds). */
  toBytes(docString?: string): Uint8Array {
    return encodeModel({
      irVersion: IR_VERSION,
      producerName: '@facegate/face-core',
      producerVersion: '1',
      ...(docString ? { docString } : {}),
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }
}

function valueInfo(name: string, dims: readonly Dim[]): ValueInfoMessage {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: Attribute): AttributeMessage {
  if ('i' in value) return { name, type: AttributeType.INT, i: value.i };
  if ('f' in value) return { name, type: AttributeType.FLOAT, f: value.f };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.s) };
}

/** ONNX raw_data is little-endian, as are the typed arrays of every platform Node runs on here. */
function bytesOf(values: Float32Array | BigInt64Array | Int8Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * TensorFlow's SAME padding along one axis: the total needed for `ceil(size / stride)` outputs, the odd
 * pixel after (ONNX's SAME_UPPER). Returns [before, after].
 */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Output size of a convolution or pooling along one axis, given its padding. */
export function outputSize(size: number, kernel: number, stride: number, [before, after]: readonly [number, number]): number {
  return Math.floor((size + before + after - kernel) / stride) + 1;
}

/** TensorFlow's conv filter [kh, kw, in, out] -> ONNX's [out, in, kh, kw]. */
export function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh!; h++) {
    for (let w = 0; w < kw!; w++) {
      for (let i = 0; i < ci!; i++) {
        for (let o = 0; o < co!; o++) out[((o * ci! + i) * kh! + h) * kw! + w] = data[((h * kw! + w) * ci! + i) * co! + o]!;
      }
    }
  }
  return out;
}

/** TensorFlow's depthwise filter [kh, kw, channels, 1] -> ONNX's grouped conv [channels, 1, kh, kw]. */
export function depthwiseToOihw(data: Float32Array, [kh, kw, c, multiplier]: readonly number[]): Float32Array {
  if (multiplier !== 1) throw new RangeError(`depthwise channel multiplier ${multiplier} is not supported`);
  return hwioToOihw(data, [kh!, kw!, 1, c!]);
}
