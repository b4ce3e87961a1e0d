import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';
import { distanceHistogram } from './histogram';
import { reasonText, rejectionText } from './format';

describe('csv', () => {
  it('quotes commas, quotes and newlines, and leaves plain values alone', () => {
    expect(csvField('door 1')).toBe('door 1');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.4123)).toBe('0.4123');
  });
  it('defuses spreadsheet formulas but keeps negative numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('-0.5')).toBe('-0.5');
  });
  it('writes a header and CRLF lines', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x'],
          [2, null],
        ],
      ),
    ).toBe('a,b\r\n1,x\r\n2,\r\n');
  });
});

describe('distanceHistogram', () => {
  it('bins accepted and refused distances, clamping the top and skipping missing ones', () => {
    const bins = distanceHistogram(
      [
        { distance: 0.05, decision: 'ACCEPTED' },
        { distance: 0.38, decision: 'ACCEPTED' },
        { distance: 0.62, decision: 'REFUSED' },
        { distance: 1.7, decision: 'REFUSED' },
        { distance: null, decision: 'ERROR' },
      ],
      10,
    );
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ accepted: 1, refused: 0 });
    expect(bins[3]).toMatchObject({ accepted: 1 });
    expect(bins[6]).toMatchObject({ refused: 1 });
    expect(bins[9]).toMatchObject({ refused: 1 });
    expect(bins.reduce((n, b) => n + b.accepted + b.refused, 0)).toBe(4);
  });
});

describe('plain words', () => {
  it('explains reasons and refused photos', () => {
    expect(reasonText('no_match')).toBe('the face does not match');
    expect(reasonText('something_new')).toBe('something new');
    expect(rejectionText('NO_FACE', 'no face in a.jpg')).toBe('No face was found in this photo. (no face in a.jpg)');
  });
});

import { parseAuditParams, toApiFilter, toQueryString } from './audit-filter';

describe('audit filters', () => {
  it('keeps valid filters, drops malformed ones, and reads times as UTC', () => {
    const f = parseAuditParams({ door: 'd1', decision: 'REFUSED', kind: 'nonsense', from: '2026-11-28T08:00', to: 'yesterday' });
    expect(f).toEqual({ door: 'd1', person: undefined, decision: 'REFUSED', kind: undefined, from: '2026-11-28T08:00', to: undefined });
    expect(toApiFilter(f)).toEqual({
      doorId: 'd1',
      personId: null,
      decision: 'REFUSED',
      kind: null,
      from: '2026-11-28T08:00:00.000Z',
      to: null,
    });
    expect(toQueryString(f)).toBe('door=d1&decision=REFUSED&from=2026-11-28T08%3A00');
  });
});
