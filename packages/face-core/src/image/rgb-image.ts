/** A decoded photo: tightly packed 8-bit RGB, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}
