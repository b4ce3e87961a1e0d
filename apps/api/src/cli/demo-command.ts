// `facegate demo` (npm run demo): a small office to try facegate on a fresh clone, from photos that ship
// inside @vladmandic/face-api (group photos: each person is cut out of one). It enrols five people with
// cards, creates a door and its key, and prints the `facegate door` lines of the README's tour.
import { createFaceEngine, l2Distance, packageDir, type EncodedFace } from '@facegate/face-core';
import { Option, type Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { Viewer } from '../auth/viewer.ts';
import { withApp } from './with-app.ts';

const SYSTEM: Viewer = { kind: 'system' };
const DOOR = 'Demo door';
const NAMES = ['Alex', 'Billie', 'Charlie', 'Dani', 'Eden'] as const;
const FIRST_CARD = 1001;
/**
 * Faces this far apart are taken as different people, and the stranger is this far from everyone: the
 * decision threshold is near 0.35, and these photos' faces lie 0.3-0.7 apart (the nearest pairs may be
 * one person in two photos).
 */
const DIFFERENT_PEOPLE = 0.45;
const STRANGER = 0.42;
/** The smallest face cut out: the quality gates refuse small ones, and a door camera sees faces larger. */
const MIN_FACE_PX = 70;

interface Cut {
  readonly face: EncodedFace;
  /** The enrolment photo: a portrait crop. */
  readonly photo: Buffer;
  /** The "door frame": the same picture framed wider, tilted and recompressed as a camera would. */
  readonly frame: Buffer;
}

/** A square around the face, `scale` times its box, kept inside the photo. */
async function cutOut(source: string, face: EncodedFace, scale: number): Promise<Sharp> {
  const meta = await sharp(source).metadata();
  const side = Math.min(Math.round(Math.max(face.box.width, face.box.height) * scale), meta.width!, meta.height!);
  const left = Math.min(Math.max(0, Math.round(face.box.x + face.box.width / 2 - side / 2)), meta.width! - side);
  const top = Math.min(Math.max(0, Math.round(face.box.y + face.box.height / 2 - side / 2)), meta.height! - side);
  return sharp(source).extract({ left, top, width: side, height: side });
}

/**
 * The largest faces of face-api's sample photos, cut out so that each crop shows that face alone (a
 * neighbour's face in the crop would be refused as MULTIPLE_FACES): five different people to enrol and
 * a stranger.
 */
async function pickFaces(): Promise<{ people: Cut[]; stranger: Cut }> {
  const sources = [1, 2, 3, 4, 5, 6].map((n) => path.join(packageDir('@vladmandic/face-api'), 'demo', `sample${n}.jpg`));
  const engine = await createFaceEngine();
  try {
    const found: { source: string; face: EncodedFace }[] = [];
    for (const source of sources) for (const face of await engine.findFaces(source)) found.push({ source, face });
    const large = found
      .filter(({ face }) => Math.min(face.box.width, face.box.height) >= MIN_FACE_PX)
      .sort((a, b) => b.face.box.width - a.face.box.width);
    const alone = async (image: Buffer) => (await engine.findFaces(image)).length === 1;
    const cut = async ({ source, face }: (typeof found)[number]): Promise<Cut | null> => {
      for (const scale of [1.8, 1.6, 1.4, 1.25]) {
        const photo = await (await cutOut(source, face, scale)).resize(320, 320).jpeg({ quality: 90 }).toBuffer();
        const wide = await (await cutOut(source, face, scale * 1.3)).resize(480, 480).toBuffer();
        const frame = await sharp(await sharp(wide).rotate(4, { background: '#808080' }).toBuffer())
          .resize(480, 480, { fit: 'cover' })
          .jpeg({ quality: 70 })
          .toBuffer();
        if ((await alone(photo)) && (await alone(frame))) return { face, photo, frame };
      }
      return null;
    };
    const apart = (face: EncodedFace, from: readonly Cut[], distance: number) =>
      from.every((p) => l2Distance(p.face.encoding, face.encoding) > distance);
    const people: Cut[] = [];
    let stranger: Cut | null = null;
    for (const candidate of large) {
      if (people.length < NAMES.length) {
        if (!apart(candidate.face, people, DIFFERENT_PEOPLE)) continue;
        const c = await cut(candidate);
        if (c) people.push(c);
      } else if (apart(candidate.face, people, STRANGER) && (stranger = await cut(candidate))) break;
    }
    if (people.length < NAMES.length || !stranger)
      throw new Error(
        `found ${people.length} distinct faces to cut out of face-api's sample photos${stranger ? '' : ' and no stranger'}, needed ${NAMES.length} and a stranger`,
      );
    return { people, stranger };
  } finally {
    engine.dispose();
  }
}

export function addDemoCommand(program: Command): Command {
  program
    .command('demo')
    .description(
      `enrol a small demo office (${NAMES.join(', ')}) from photos shipped with the packages, create "${DOOR}" and its key, print the door commands to try`,
    )
    .addOption(new Option('--out <dir>', 'where to write the demo photos').default(path.resolve(import.meta.dirname, '../../data/demo')))
    .option('--json', 'print exactly one JSON object on stdout')
    .action((options: { out: string; json?: boolean }) =>
      withApp(async (app) => {
        const { people: cuts, stranger } = await pickFaces();
        await mkdir(path.join(options.out, 'office'), { recursive: true });
        await mkdir(path.join(options.out, 'door'), { recursive: true });
        const people: { name: string; card: string; id: string; created: boolean; doorFrame: string }[] = [];
        for (const [i, name] of NAMES.entries()) {
          const cut = cuts[i]!;
          const card = String(FIRST_CARD + i);
          const photo = path.join(options.out, 'office', `${name.toLowerCase()}.jpg`);
          const frame = path.join(options.out, 'door', `${name.toLowerCase()}.jpg`);
          await writeFile(photo, cut.photo);
          await writeFile(frame, cut.frame);
          // Run twice, the demo reuses its people (and makes a new key).
          const existing = await app.db.prisma.person.findFirst({ where: { name }, select: { id: true } });
          let id = existing?.id;
          if (!id) {
            const enrolled = await app.services.people.createEnrolled(name, [
              { filename: path.basename(photo), bytes: new Uint8Array(cut.photo) },
            ]);
            if (!enrolled.person)
              throw new Error(`${name}'s demo photo was refused: ${enrolled.rejected.map((r) => r.message).join('; ')}`);
            id = enrolled.person.id;
            await app.services.people.update(id, { cardId: card });
            await app.services.adminLog.record(SYSTEM, [
              {
                action: 'importPerson',
                targetType: 'person',
                targetId: id,
                personId: id,
                targetLabel: name,
                details: { created: true, enrolled: 1, rejected: 0, from: 'facegate demo' },
              },
            ]);
          }
          people.push({ name, card, id, created: !existing, doorFrame: frame });
        }
        const strangerFrame = path.join(options.out, 'door', 'stranger.jpg');
        await writeFile(strangerFrame, stranger.frame);

        let door = await app.db.prisma.door.findUnique({ where: { name: DOOR } });
        if (!door) {
          door = await app.services.access.doors.create(DOOR, 'made by facegate demo');
          // The demo's frames are photo files, not a camera's frames: the liveness check would rightly
          // call them photos. A door sent photo files sets liveness off (README, "Liveness").
          await app.services.configureDoor(door.id, { settings: { liveness: 'off' } }, { confirmLargeChange: true });
          await app.services.adminLog.record(SYSTEM, [
            {
              action: 'createDoor',
              targetType: 'door',
              targetId: door.id,
              targetLabel: DOOR,
              details: { liveness: 'off', from: 'facegate demo' },
            },
          ]);
        }
        const key = await app.services.apiKeys.create({ name: `${DOOR} key`, scopes: ['verify', 'identify'], doorId: door.id });
        await app.services.adminLog.record(SYSTEM, [
          {
            action: 'createApiKey',
            targetType: 'api_key',
            targetId: key.key.id,
            targetLabel: key.key.name,
            details: { doorId: door.id, from: 'facegate demo' },
          },
        ]);

        const rel = (file: string) => path.relative(process.cwd(), file);
        const [alex, billie] = [people[0]!, people[1]!];
        const tries = [
          { args: ['--card', alex.card, rel(alex.doorFrame)], expect: `ACCEPTED ${alex.name} (exit 0): the card and its holder's face` },
          { args: ['--card', alex.card, rel(billie.doorFrame)], expect: `REFUSED (exit 3): ${billie.name} holding ${alex.name}'s card` },
          { args: [rel(people[2]!.doorFrame)], expect: `ACCEPTED ${people[2]!.name} (exit 0): no card, recognised among everyone` },
          { args: [rel(strangerFrame)], expect: 'REFUSED (exit 3): not in the database' },
        ];
        const result = {
          door: { id: door.id, name: DOOR },
          key: key.token,
          people: people.map(({ name, card, created }) => ({ name, card, created })),
          tries,
        };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        process.stdout.write(
          [
            `Enrolled ${people.filter((p) => p.created).length} new of ${people.length} people (${people.map((p) => `${p.name}, card ${p.card}`).join('; ')}),`,
            `cut out of the sample photos shipped in @vladmandic/face-api; their photos are in ${rel(options.out)}/office.`,
            `"${DOOR}" has liveness off: the demo sends photo files, which a camera door would refuse as photos.`,
            `Its door frames (${rel(options.out)}/door) are the same pictures framed wider and tilted, not new photos.`,
            '',
            'The door key (shown once):',
            `  export FACEGATE_KEY=${key.token}`,
            '',
            'Start the API (npm start, or npm run start:api), then try:',
            ...tries.map((t) => `  npx facegate door ${t.args.join(' ')}\n      # ${t.expect}`),
            '',
          ].join('\n'),
        );
      }),
    );
  return program;
}
