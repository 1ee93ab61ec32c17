// The ONNX export: the whole network as one standard ONNX graph (opset 13, IR version 8) that
// any ONNX runtime runs — the input map, every layer (Gemm), its activation (Relu; step as
// GreaterOrEqual + Cast), and the output decoding to the user's labels (value: Round; argmax:
// ArgMax; bits: digits ≥ ½ weighted by powers of two), in float64 or float32. Inputs: "x"
// [N, d]; outputs: "label" [N] int64 (INT64_MIN where no class; for real targets the value,
// in the dtype) and "outputs" [N, m], the last layer's values. The protobuf is written directly
// (wire format of onnx.proto), so mnemo needs no ONNX library. Fields: docs/export-formats.md.
#pragma once

#include <string>
#include <vector>

#include "mnemo/io.h"

namespace mnemo {

/// The bytes of the .onnx file from the export's tensors and metadata JSON (io.h: Exporter).
std::string WriteOnnx(const std::vector<FloatTensor>& tensors, const std::string& metadata,
                      ExportDtype dtype);

}  // namespace mnemo
