// onnx_run.js ORT_DIR MODEL.onnx X.f64 N D DTYPE: runs an exported mnemo network in
// onnxruntime-node and prints its "label" output, one row per line.
const [ortDir, model, xfile, n, d, dtype] = process.argv.slice(2);
const ort = require(ortDir);
const fs = require('fs');
(async () => {
  const raw = fs.readFileSync(xfile);
  const x64 = new Float64Array(raw.buffer, raw.byteOffset, raw.length / 8);
  const x = dtype === 'float32' ? Float32Array.from(x64) : x64;
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({x: new ort.Tensor(dtype, x, [Number(n), Number(d)])});
  process.stdout.write(Array.from(out.label.data, String).join('\n') + '\n');
})().catch((e) => { console.error(String(e)); process.exit(1); });
