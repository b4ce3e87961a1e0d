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
 * Whether the int8 encoder runs here: x86-64 with AVX-512 VNNI, where ONNX Runtime's int8 convolutions
 * accumulate in 32 bits and where it was measured. ONNX Runtime's AVX2 kernel adds pairs of products in
 * 16 bits, which can saturate (its documentation's warning about U8S8); AVX-VNNI (256-bit) and ARM were
 * not measured. Elsewhere the encoder runs in float32.
 */
export function exactInt8(arch: string = process.arch, cpuinfo: string | null = readCpuInfo()): boolean {
  if (arch !== 'x64' || cpuinfo === null) return false;
  return cpuFlags(cpuinfo).includes('avx512_vnni');
}
