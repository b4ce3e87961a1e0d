import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
const require = createRequire(import.meta.url);
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
setWasmPaths(wasmDir);
await tf.setBackend('wasm'); await tf.ready();
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
console.log('backend', tf.getBackend(), faceapi.tf.getBackend(), faceapi.tf === tf || faceapi.tf.engine() === tf.engine());
const modelDir = path.dirname(require.resolve('@vladmandic/face-api/package.json')) + '/model';
await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68TinyNet.loadFromDisk(modelDir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
const file = process.argv[2];
const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const img = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
async function time(name, fn, n = 20) {
  for (let i = 0; i < 3; i++) await fn();
  const ts = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await fn(); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log(name, ts[n >> 1].toFixed(1), 'ms');
}
for (const s of [224, 320, 416]) await time('tiny' + s, async () => { const r = await faceapi.detectAllFaces(img, new faceapi.TinyFaceDetectorOptions({ inputSize: s })); return r; });
await time('ssd', () => faceapi.detectAllFaces(img, new faceapi.SsdMobilenetv1Options()), 5);
const face = tf.zeros([1,112,112,3]);
await time('lm68', () => { const r = faceapi.nets.faceLandmark68Net.forwardInput ? null : null; return faceapi.nets.faceLandmark68Net.detectLandmarks(tf.zeros([112,112,3])); });
await time('lm68tiny', () => faceapi.nets.faceLandmark68TinyNet.detectLandmarks(tf.zeros([112,112,3])));
const chip = tf.zeros([150,150,3]);
await time('rec', () => faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip));
const r = await faceapi.detectAllFaces(img, new faceapi.TinyFaceDetectorOptions({ inputSize: 416 }));
console.log(r.map(d => [d.score, d.box]));
console.log(tf.memory().numTensors);
