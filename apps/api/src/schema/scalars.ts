import { DateTimeResolver } from 'graphql-scalars';
import { builder } from '../builder.ts';

builder.addScalarType('DateTime', DateTimeResolver);
// Uploads follow the GraphQL multipart request spec; Yoga hands resolvers a standard File.
builder.scalarType('File', {
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
});

/** A small JPEG (thumbnail) as a data: URL, ready for an <img src>. */
export function jpegDataUrl(bytes: Uint8Array | null | undefined): string | null {
  return bytes ? `data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}` : null;
}
