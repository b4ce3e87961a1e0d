import { readFileSync } from 'node:fs';

/** /proc/cpuinfo's text, or null where there is none (not Linux). */
export function readCpuInfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** The first processor's feature flags in `cpuinfo`. */
export function cpuFlags(cpuinfo: string): string[] {
  return /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [];
}

/**
 * Whether ONNX Runtime's int8 convolutions compute exact integer sums here: on x86-64 with VNNI
 * (avx512_vnni, or avx_vnni), whose instruction accumulates in 32 bits. Without it, ONNX Runtime's AVX2
 * kernel adds pairs of products in 16 bits, which can saturate (its documentation's warning about
 * U8S8), and the int8 encoder was measured on a VNNI CPU only, so other CPUs run float32.
 */
export function exactInt8(arch: string = process.arch, cpuinfo: string | null = readCpuInfo()): boolean {
  if (arch !== 'x64' || cpuinfo === null) return false;
  const flags = cpuFlags(cpuinfo);
  return flags.includes('avx512_vnni') || flags.includes('avx_vnni');
}
