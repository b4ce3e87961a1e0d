import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
await tf.setBackend('wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const modelDir = path.dirname(require.resolve('@vladmandic/face-api/package.json')) + '/model';
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
const chip = tf.zeros([1,150,150,3]);
for (let k = 0; k < 6; k++) { const t = performance.now(); for (let i = 0; i < 20; i++) { const y = await faceapi.nets.faceRecognitionNet.forward(chip); await y.data(); y.dispose(); } console.log('rec', ((performance.now() - t) / 20).toFixed(1)); }
const c2 = tf.zeros([1,112,112,3]);
for (let k = 0; k < 3; k++) { const t = performance.now(); for (let i = 0; i < 20; i++) { const y = await faceapi.nets.faceLandmark68Net.forward(c2); await y.data(); y.dispose(); } console.log('lm', ((performance.now() - t) / 20).toFixed(1)); }
