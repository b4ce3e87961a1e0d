'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { explain, gql, gqlUpload, isError } from '@/lib/api';
import { requireAdmin } from '@/lib/session';

export interface ModelsState {
  ok?: boolean;
  message?: string;
  error?: string;
  at?: number;
}

type Union = { __typename: string; code?: string; message?: string; data?: unknown };

/** One admin mutation whose result is a union; errors come back in words. */
async function mutate(field: string, run: () => Promise<Record<string, Union>>, success: string): Promise<ModelsState> {
  const guard = await requireAdmin();
  if (!guard.ok) return { error: guard.error };
  try {
    const result = (await run())[field]!;
    if (isError(result)) return { error: result.message ?? 'Not done.' };
    revalidatePath('/models');
    return { ok: true, message: success, at: Date.now() };
  } catch (error) {
    return { error: explain(error) };
  }
}

const issues = (e: z.ZodError) => e.issues.map((i) => i.message).join(' ');
const HeadId = z
  .string()
  .trim()
  .max(64, 'Unknown head.')
  .regex(/^[0-9a-f]*$/, 'Unknown head.');

/** Starts the change to a head (or, empty, to the encoder alone): re-encoding, then the switch. */
export async function activateModel(_s: ModelsState, form: FormData): Promise<ModelsState> {
  const parsed = HeadId.safeParse(form.get('headId') ?? '');
  if (!parsed.success) return { error: issues(parsed.error) };
  const headId = parsed.data || null;
  return mutate(
    'changeActiveModel',
    () => gql(`mutation ($h: ID) { changeActiveModel(headId: $h) { __typename ... on Error { code message } } }`, { h: headId }),
    'Switching started: every enrolled photo is read again with the new model, and the doors switch when all are done.',
  );
}

export async function cancelChange(_s: ModelsState, form: FormData): Promise<ModelsState> {
  const parsed = z.string().trim().min(1).max(64).safeParse(form.get('id'));
  if (!parsed.success) return { error: 'Unknown change.' };
  return mutate(
    'cancelModelChange',
    () => gql(`mutation ($id: ID!) { cancelModelChange(id: $id) { __typename ... on Error { code message } } }`, { id: parsed.data }),
    'Change cancelled: decisions stay on the active model.',
  );
}

const MAX_HEAD_BYTES = 2_000_000;

export async function uploadHead(_s: ModelsState, form: FormData): Promise<ModelsState> {
  const file = form.get('head');
  if (!(file instanceof File) || file.size === 0) return { error: 'Choose the head file (JSON) that facegate train wrote.' };
  if (file.size > MAX_HEAD_BYTES) return { error: 'That file is too large to be a head.' };
  return mutate(
    'addModelHead',
    () =>
      gqlUpload(`mutation ($f: File!) { addModelHead(file: $f) { __typename ... on Error { code message } } }`, { f: null }, { f: file }),
    'Head added: compare it before activating it.',
  );
}

const TrainingInput = z.object({
  source: z.enum(['ENROLLED', 'FOLDER'], { error: 'Choose what to train on.' }),
  dir: z.string().trim().max(200, 'The folder name is too long.'),
  maxEpochs: z.coerce
    .number({ error: 'Epochs must be a number.' })
    .int('Epochs must be a whole number.')
    .min(1, 'At least 1 epoch.')
    .max(200, 'At most 200 epochs.'),
});

export async function startTraining(_s: ModelsState, form: FormData): Promise<ModelsState> {
  const parsed = TrainingInput.safeParse({
    source: form.get('source'),
    dir: form.get('dir') ?? '',
    maxEpochs: form.get('maxEpochs') ?? 60,
  });
  if (!parsed.success) return { error: issues(parsed.error) };
  const { source, dir, maxEpochs } = parsed.data;
  if (source === 'FOLDER' && !dir) return { error: 'Name the folder to train on.' };
  return mutate(
    'startTraining',
    () =>
      gql(
        `mutation ($s: TrainingSource!, $d: String, $e: Int) { startTraining(source: $s, dir: $d, maxEpochs: $e) { __typename ... on Error { code message } } }`,
        {
          s: source,
          d: source === 'FOLDER' ? dir : null,
          e: maxEpochs,
        },
      ),
    'Learning started: the curve below fills in round by round.',
  );
}
