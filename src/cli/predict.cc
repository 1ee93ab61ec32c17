// mnemo predict: the network's answer for every row of DATA, in the user's labels.
#include "mnemo/decide.h"
#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/io.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {

void AddPredictCommand(CLI::App& app, int* exit_code) {
  struct Opts {
    std::string network;
    DataFlags data;
    std::string output;
    std::string mode = "exact";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(app, "predict", "predict the label of every row of DATA", exit_code, [o] {
    CheckWritable(o->output, {o->network, o->data.spec, o->data.options.labels_path});
    Network net = LoadNetwork(o->network);
    o->data.options.labels_optional = true;
    Dataset data = LoadData(o->data);
    if (data.d() != net.input_dim())
      Fail("{}: the network reads {} inputs but the data has {} columns", data.source,
           net.input_dim(), data.d());
    bool exact = o->mode == "exact";
    if (!exact && o->mode != "float64") Fail("--mode: expected exact or float64, got \"{}\"", o->mode);
    std::vector<std::string> answers(data.n());
    Progress bar("predict", o->output.empty() ? 0 : data.n());
    data.x.ForEachBlock([&](int64_t first, const RowMatrix& x) {  // byte data a block at a time
      if (exact) {
        // The library's exact decision (mnemo/decide.h): the same one `mnemo verify` uses.
        std::vector<Answer> exact_answers = Predict(net, x);
        for (int64_t k = 0; k < x.rows(); ++k)
          answers[first + k] = AnswerString(net, exact_answers[k]);
      } else {
        RowMatrix out = EvaluateFloat(net, x, false);
        for (int64_t k = 0; k < x.rows(); ++k) {
          std::vector<double> v(out.row(k).data(), out.row(k).data() + out.cols());
          if (!net.classification) answers[first + k] = fmt::format("{}", v[0]);
          else {
            int64_t cls = DecodeClass(net, v);
            answers[first + k] = cls >= 0 ? net.ClassLabel(cls) : "none";
          }
        }
      }
      bar.Add(x.rows());
    }, data.x.RowsPerBlock(int64_t(1) << 22));
    bar.Finish();
    std::string csv = "row,prediction\n";
    const int64_t rows = data.row_to_point.empty() ? data.n() : int64_t(data.row_to_point.size());
    for (int64_t r = 0; r < rows; ++r)
      csv += fmt::format("{},{}\n", r,
                         CsvEscape(answers[data.row_to_point.empty() ? r : data.row_to_point[r]]));
    if (o->output.empty()) fmt::print("{}", csv);
    else WriteFileAtomic(o->output, csv);
    return 0;
  });
  cmd->add_option("NETWORK", o->network, "network file (JSON)")->type_name("")->required();
  AddDataFlags(cmd, &o->data);
  AddOutputOption(cmd, &o->output, "CSV file to write", false);
  cmd->add_option("--mode", o->mode, "exact | float64")->type_name("M")->default_str("exact");
  cmd->footer("Unlabeled data: CSV with --label-column none, or .npy without --labels.");
}

}  // namespace mnemo::cli
