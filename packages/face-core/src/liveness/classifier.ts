/**
 * Weighted, L2-regularised logistic regression on standardised features, fitted with L-BFGS in plain
 * TypeScript: deterministic (same data, same weights, bit for bit), no tensors, a few milliseconds per fit
 * on a few hundred faces.
 */

export interface Standardiser {
  readonly mean: number[];
  readonly scale: number[];
}

export interface LogisticModel {
  readonly standardiser: Standardiser;
  /** Coefficients on the standardised features. */
  readonly coefficients: number[];
  readonly intercept: number;
}

export interface FitOptions {
  /** L2 penalty on the coefficients (not the intercept), relative to the total sample weight. */
  readonly lambda: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

/** Weighted mean and standard deviation of every column; constant columns get scale 1. */
export function fitStandardiser(rows: readonly Float64Array[], weights: readonly number[]): Standardiser {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  const total = weights.reduce((s, w) => s + w, 0);
  rows.forEach((row, i) => {
    for (let j = 0; j < d; j++) mean[j]! += (weights[i]! * row[j]!) / total;
  });
  rows.forEach((row, i) => {
    for (let j = 0; j < d; j++) scale[j]! += (weights[i]! * (row[j]! - mean[j]!) ** 2) / total;
  });
  return { mean, scale: scale.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export function standardise(row: Float64Array, s: Standardiser): Float64Array {
  const out = new Float64Array(row.length);
  for (let j = 0; j < row.length; j++) out[j] = (row[j]! - s.mean[j]!) / s.scale[j]!;
  return out;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** log(1 + exp(z)) without overflow. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/**
 * Fits P(live | x) = sigmoid(w . standardise(x) + b), minimising
 * sum_i weight_i * logloss_i / sum_i weight_i + lambda / 2 * |w|^2.
 */
export function fitLogistic(rows: readonly Float64Array[], labels: readonly (0 | 1)[], weights: readonly number[], options: FitOptions): LogisticModel {
  if (rows.length === 0) throw new RangeError('no training rows');
  if (rows.length !== labels.length || rows.length !== weights.length) throw new RangeError('rows, labels and weights differ in length');
  const standardiser = fitStandardiser(rows, weights);
  const x = rows.map((r) => standardise(r, standardiser));
  const d = x[0]!.length;
  const total = weights.reduce((s, w) => s + w, 0);
  const w = weights.map((v) => v / total);
  const { lambda } = options;
  // Parameters: d coefficients then the intercept.
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < x.length; i++) {
      const row = x[i]!;
      let z = theta[d]!;
      for (let j = 0; j < d; j++) z += theta[j]! * row[j]!;
      // logloss = softplus(z) - y z; its derivative is sigmoid(z) - y.
      loss += w[i]! * (softplus(z) - labels[i]! * z);
      const g = w[i]! * (sigmoid(z) - labels[i]!);
      for (let j = 0; j < d; j++) grad[j]! += g * row[j]!;
      grad[d]! += g;
    }
    for (let j = 0; j < d; j++) {
      loss += (lambda / 2) * theta[j]! ** 2;
      grad[j]! += lambda * theta[j]!;
    }
    return loss;
  };
  const theta = minimiseLbfgs(objective, new Float64Array(d + 1), options.maxIterations ?? 500, options.tolerance ?? 1e-7);
  return { standardiser, coefficients: Array.from(theta.subarray(0, d)), intercept: theta[d]! };
}

/** The model's logit for one raw feature row (> 0 leans live). */
export function logit(model: LogisticModel, row: Float64Array): number {
  const { mean, scale } = model.standardiser;
  let z = model.intercept;
  for (let j = 0; j < row.length; j++) z += model.coefficients[j]! * ((row[j]! - mean[j]!) / scale[j]!);
  return z;
}

export function probability(model: LogisticModel, row: Float64Array): number {
  return sigmoid(logit(model, row));
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Limited-memory BFGS (10 pairs) with a backtracking Armijo line search; stops when the gradient's max-norm < tolerance. */
function minimiseLbfgs(f: (x: Float64Array, g: Float64Array) => number, start: Float64Array, maxIterations: number, tolerance: number): Float64Array {
  const n = start.length;
  const memory = 10;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const nextG = new Float64Array(n);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let maxGrad = 0;
    for (let i = 0; i < n; i++) maxGrad = Math.max(maxGrad, Math.abs(g[i]!));
    if (maxGrad < tolerance) break;
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let k = sList.length - 1; k >= 0; k--) {
      const a = rhoList[k]! * dot(sList[k]!, q);
      alpha[k] = a;
      for (let i = 0; i < n; i++) q[i]! -= a * yList[k]![i]!;
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last]!, yList[last]!) / dot(yList[last]!, yList[last]!);
      for (let i = 0; i < n; i++) q[i]! *= gamma;
    }
    for (let k = 0; k < sList.length; k++) {
      const b = rhoList[k]! * dot(yList[k]!, q);
      for (let i = 0; i < n; i++) q[i]! += sList[k]![i]! * (alpha[k]! - b);
    }
    for (let i = 0; i < n; i++) q[i] = -q[i]!;
    let slope = dot(q, g);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = 0; yList.length = 0; rhoList.length = 0;
      for (let i = 0; i < n; i++) q[i] = -g[i]!;
      slope = dot(q, g);
    }
    let step = iteration === 0 && sList.length === 0 ? 1 / Math.max(1, Math.sqrt(dot(g, g))) : 1;
    let candidate = new Float64Array(n);
    let fc = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) candidate[i] = x[i]! + step * q[i]!;
      fc = f(candidate, nextG);
      if (fc <= fx + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fc < fx)) break; // no progress possible
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = candidate[i]! - x[i]!;
      y[i] = nextG[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      sList.push(s); yList.push(y); rhoList.push(1 / sy);
      if (sList.length > memory) { sList.shift(); yList.shift(); rhoList.shift(); }
    }
    const previous = fx;
    x = candidate;
    candidate = new Float64Array(n);
    fx = fc;
    g = Float64Array.from(nextG);
    if (Math.abs(previous - fx) < 1e-12 * Math.max(1, Math.abs(fx))) break;
  }
  return x;
}
