/** Base class of every error face-core throws on purpose; `code` is stable for callers to switch on. */
export class FaceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The bytes are empty, truncated, not an image, or in a format we do not read. */
export class InvalidImageError extends FaceError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_IMAGE', message, options);
  }
}

/** The image is larger than the configured pixel limit (a decompression bomb, or simply too big). */
export class ImageTooLargeError extends FaceError {
  readonly pixels: number;
  readonly limit: number;
  constructor(pixels: number, limit: number) {
    super('IMAGE_TOO_LARGE', `image has ${pixels} pixels, more than the limit of ${limit}`);
    this.pixels = pixels;
    this.limit = limit;
  }
}

/** No face was found where one was required. */
export class NoFaceError extends FaceError {
  constructor(message = 'no face found in the image') {
    super('NO_FACE', message);
  }
}

/** Several faces were found where exactly one was required. */
export class MultipleFacesError extends FaceError {
  readonly count: number;
  constructor(count: number) {
    super('MULTIPLE_FACES', `${count} faces found where exactly one was required`);
    this.count = count;
  }
}

/** A model file is missing or unreadable. */
export class ModelLoadError extends FaceError {
  constructor(message: string, options?: ErrorOptions) {
    super('MODEL_LOAD', message, options);
  }
}
