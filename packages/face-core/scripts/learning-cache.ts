// Fills the encoding cache that `facegate train` and scripts/learning-eval.ts read: every photo of the
// given folders (folder = person), clean and under the simulated site camera. Run once; re-runs are fast.
//   npx tsx packages/face-core/scripts/learning-cache.ts ../shared/faces/lfw-view1 ../shared/faces/celeba-dev
import { listGallery } from '../src/cli/gallery.ts';
import { CAMERA_CONDITIONS } from '../src/learning/constants.ts';
import { load } from '../src/learning/views.ts';

const dirs = process.argv.slice(2);
const encoder = await load();
try {
  // LEARNING_CONDITIONS=site,site-mild (default: clean and site)
  const conditions = [undefined, ...(process.env.LEARNING_CONDITIONS ?? 'site').split(',').map((name) => CAMERA_CONDITIONS[name]!)];
  for (const condition of conditions) {
    for (const dir of dirs) {
      const files = [...(await listGallery(dir)).values()].flat();
      const started = performance.now();
      let missing = 0;
      for (const [i, file] of files.entries()) {
        if ((await encoder.encode(file, condition)) === null) missing++;
        if ((i + 1) % 500 === 0) process.stderr.write(`${dir} ${condition?.name ?? 'clean'}: ${i + 1}/${files.length}\n`);
      }
      console.log(
        `${dir} (${condition?.name ?? 'clean'}): ${files.length} photos, ${missing} without a face, ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  }
} finally {
  encoder.dispose();
}
