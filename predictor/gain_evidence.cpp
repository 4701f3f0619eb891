// The evidence behind advise's gain intervals: benchmarks/gain_evidence.py's output on a `validate --layers`
// run of the host predictor (held-out networks only), kept verbatim in
// benchmarks/results/gain-evidence-avx512-2026-11-29.json and here, so that an installed binary needs no
// data file. Read it again with a newer validate run: `benchmarks/gain_evidence.py run.json --json-out FILE`,
// then paste FILE below.
#include <cmath>

#include "predictor/gain_interval.hpp"

namespace cpx::predictor {

namespace {

constexpr const char* evidence_json = R"evidence(
{
 "schema": "cpubone-explore/gain-evidence/v1",
 "source": "benchmarks/gain_evidence.py --measured: measure --layers and predict --layers --device host, 1 thread, 19 held-out zoo networks (families the host fit did not see, none scored by advise benchmarks), AMD EPYC x86-64 AVX-512F 2 vCPU shared VM, 2026-11-29; host fit of a profile with 98% of its measurements flagged noisy",
 "networks": 19,
 "network_names": [
  "b1",
  "edgenext-xs",
  "edgenext-xxs",
  "efficientformerv2-s1",
  "efficientformerv2-s2",
  "fasternet-t1",
  "fasternet-t2",
  "ghostnetv2-1.3",
  "ghostnetv2-1.6",
  "mobileone-s1",
  "mobileone-s2",
  "nano",
  "pvt-tiny",
  "repvit-m0.9",
  "repvit-m1.1",
  "s0",
  "shufflenetv2-x1.0",
  "shufflenetv2-x1.5",
  "t0"
 ],
 "excluded": "mobilenetv2-1.0,mobilenetv3-large,resnet18,resnet50,efficientnet-b0,ghostnetv2-1.0,repvit-m1.0,fasternet-t0,efficientformerv2-s0,mobileone-s0,mnasnet-a1,mobilenetv1-1.0",
 "by_set": {
  "zoo": 19,
  "sampled": 0,
  "ood": 0
 },
 "options": {
  "min_op_us": 5.0,
  "min_share": 0.01,
  "min_networks": 4
 },
 "class_second_moment": {
  "conv_dense|conv_dense": 0.14590487364515847,
  "conv_dense|conv_depthwise": 0.0630794774741969,
  "conv_dense|conv_depthwise_generic": -0.07740073627437173,
  "conv_dense|conv_grouped": -0.11883015098341163,
  "conv_dense|conv_pointwise": -0.02288143246104621,
  "conv_dense|data_movement": 0.10848447419469491,
  "conv_dense|elementwise": -0.09481071090727632,
  "conv_dense|fully_connected": 0.39062048359647467,
  "conv_dense|matmul": -0.04360411305732063,
  "conv_dense|norm": 0.0733695104262455,
  "conv_dense|pooling": 0.22146053478995426,
  "conv_depthwise|conv_dense": 0.0630794774741969,
  "conv_depthwise|conv_depthwise": 0.9404514974684086,
  "conv_depthwise|conv_depthwise_generic": 0.48569319562018004,
  "conv_depthwise|conv_pointwise": -0.14951550754353168,
  "conv_depthwise|data_movement": 0.8803057459743887,
  "conv_depthwise|elementwise": 0.8310702484783109,
  "conv_depthwise|fully_connected": 1.1908724721730886,
  "conv_depthwise|matmul": 0.3658700291681595,
  "conv_depthwise|pooling": 0.7528192935325086,
  "conv_depthwise_generic|conv_dense": -0.07740073627437173,
  "conv_depthwise_generic|conv_depthwise": 0.48569319562018004,
  "conv_depthwise_generic|conv_depthwise_generic": 0.5494307391298073,
  "conv_depthwise_generic|conv_pointwise": -0.12586719643422387,
  "conv_depthwise_generic|elementwise": 0.6771756552648135,
  "conv_grouped|conv_dense": -0.11883015098341163,
  "conv_grouped|conv_grouped": 0.025276435605752694,
  "conv_grouped|conv_pointwise": 0.020340365869341303,
  "conv_grouped|fully_connected": -0.16448472502782965,
  "conv_pointwise|conv_dense": -0.02288143246104621,
  "conv_pointwise|conv_depthwise": -0.14951550754353168,
  "conv_pointwise|conv_depthwise_generic": -0.12586719643422387,
  "conv_pointwise|conv_grouped": 0.020340365869341303,
  "conv_pointwise|conv_pointwise": 0.025581402304369835,
  "conv_pointwise|data_movement": -0.18252558402419536,
  "conv_pointwise|elementwise": -0.20602684509659105,
  "conv_pointwise|fully_connected": -0.17511861962318306,
  "conv_pointwise|matmul": -0.0704100124691468,
  "conv_pointwise|norm": -0.2211308565914953,
  "conv_pointwise|pooling": -0.18984055799588095,
  "data_movement|conv_dense": 0.10848447419469491,
  "data_movement|conv_depthwise": 0.8803057459743887,
  "data_movement|conv_pointwise": -0.18252558402419536,
  "data_movement|data_movement": 1.7196035990011531,
  "data_movement|fully_connected": 1.541407733917352,
  "data_movement|pooling": 0.9762513075990809,
  "elementwise|conv_dense": -0.09481071090727632,
  "elementwise|conv_depthwise": 0.8310702484783109,
  "elementwise|conv_depthwise_generic": 0.6771756552648135,
  "elementwise|conv_pointwise": -0.20602684509659105,
  "elementwise|elementwise": 1.0049448957970222,
  "elementwise|matmul": 0.5014642281553925,
  "fully_connected|conv_dense": 0.39062048359647467,
  "fully_connected|conv_depthwise": 1.1908724721730886,
  "fully_connected|conv_grouped": -0.16448472502782965,
  "fully_connected|conv_pointwise": -0.17511861962318306,
  "fully_connected|data_movement": 1.541407733917352,
  "fully_connected|fully_connected": 1.5697124971489167,
  "fully_connected|pooling": 1.1102534746945119,
  "matmul|conv_dense": -0.04360411305732063,
  "matmul|conv_depthwise": 0.3658700291681595,
  "matmul|conv_pointwise": -0.0704100124691468,
  "matmul|elementwise": 0.5014642281553925,
  "matmul|matmul": 0.20848640966798734,
  "norm|conv_dense": 0.0733695104262455,
  "norm|conv_pointwise": -0.2211308565914953,
  "norm|norm": 2.2902065191208325,
  "pooling|conv_dense": 0.22146053478995426,
  "pooling|conv_depthwise": 0.7528192935325086,
  "pooling|conv_pointwise": -0.18984055799588095,
  "pooling|data_movement": 0.9762513075990809,
  "pooling|fully_connected": 1.1102534746945119,
  "pooling|pooling": 0.9558713838467017
 },
 "class_pair_networks": {
  "conv_dense|conv_dense": 19,
  "conv_dense|conv_depthwise": 12,
  "conv_dense|conv_depthwise_generic": 4,
  "conv_dense|conv_grouped": 4,
  "conv_dense|conv_pointwise": 19,
  "conv_dense|data_movement": 6,
  "conv_dense|elementwise": 6,
  "conv_dense|fully_connected": 11,
  "conv_dense|matmul": 5,
  "conv_dense|norm": 4,
  "conv_dense|pooling": 4,
  "conv_depthwise|conv_dense": 12,
  "conv_depthwise|conv_depthwise": 12,
  "conv_depthwise|conv_depthwise_generic": 4,
  "conv_depthwise|conv_pointwise": 12,
  "conv_depthwise|data_movement": 4,
  "conv_depthwise|elementwise": 6,
  "conv_depthwise|fully_connected": 6,
  "conv_depthwise|matmul": 4,
  "conv_depthwise|pooling": 4,
  "conv_depthwise_generic|conv_dense": 4,
  "conv_depthwise_generic|conv_depthwise": 4,
  "conv_depthwise_generic|conv_depthwise_generic": 4,
  "conv_depthwise_generic|conv_pointwise": 4,
  "conv_depthwise_generic|elementwise": 4,
  "conv_grouped|conv_dense": 4,
  "conv_grouped|conv_grouped": 4,
  "conv_grouped|conv_pointwise": 4,
  "conv_grouped|fully_connected": 4,
  "conv_pointwise|conv_dense": 19,
  "conv_pointwise|conv_depthwise": 12,
  "conv_pointwise|conv_depthwise_generic": 4,
  "conv_pointwise|conv_grouped": 4,
  "conv_pointwise|conv_pointwise": 19,
  "conv_pointwise|data_movement": 6,
  "conv_pointwise|elementwise": 6,
  "conv_pointwise|fully_connected": 11,
  "conv_pointwise|matmul": 5,
  "conv_pointwise|norm": 4,
  "conv_pointwise|pooling": 4,
  "data_movement|conv_dense": 6,
  "data_movement|conv_depthwise": 4,
  "data_movement|conv_pointwise": 6,
  "data_movement|data_movement": 6,
  "data_movement|fully_connected": 5,
  "data_movement|pooling": 4,
  "elementwise|conv_dense": 6,
  "elementwise|conv_depthwise": 6,
  "elementwise|conv_depthwise_generic": 4,
  "elementwise|conv_pointwise": 6,
  "elementwise|elementwise": 6,
  "elementwise|matmul": 4,
  "fully_connected|conv_dense": 11,
  "fully_connected|conv_depthwise": 6,
  "fully_connected|conv_grouped": 4,
  "fully_connected|conv_pointwise": 11,
  "fully_connected|data_movement": 5,
  "fully_connected|fully_connected": 11,
  "fully_connected|pooling": 4,
  "matmul|conv_dense": 5,
  "matmul|conv_depthwise": 4,
  "matmul|conv_pointwise": 5,
  "matmul|elementwise": 4,
  "matmul|matmul": 5,
  "norm|conv_dense": 4,
  "norm|conv_pointwise": 4,
  "norm|norm": 4,
  "pooling|conv_dense": 4,
  "pooling|conv_depthwise": 4,
  "pooling|conv_pointwise": 4,
  "pooling|data_movement": 4,
  "pooling|fully_connected": 4,
  "pooling|pooling": 4
 },
 "op_rms": {
  "conv_dense": 0.23262085269297442,
  "conv_grouped": 0.10619042263034847,
  "conv_pointwise": 0.27323345820902845,
  "norm": 0.13163060060853463,
  "matmul": 0.3517280219142905,
  "softmax": 0.14927298089296484,
  "conv_depthwise": 0.25342099906579557,
  "pooling": 0.1497118541507548,
  "fully_connected": 0.036245716002861625,
  "elementwise": 0.36726117404844383,
  "data_movement": 0.29741900974120666,
  "conv_depthwise_generic": 0.3003695246039613,
  "resize": 0.13106446954070042
 },
 "op_count": {
  "conv_dense": 76,
  "conv_grouped": 39,
  "conv_pointwise": 804,
  "norm": 81,
  "matmul": 90,
  "softmax": 43,
  "conv_depthwise": 278,
  "pooling": 41,
  "fully_connected": 23,
  "elementwise": 159,
  "data_movement": 107,
  "conv_depthwise_generic": 69,
  "resize": 20
 },
 "block_correlation": 0.24915794283155135,
 "block_pairs": 2670,
 "threads": 1
}
)evidence";

GainEvidence parse(const Json& j) {
  GainEvidence e;
  const Where where("gain evidence (predictor/gain_evidence.cpp)");
  for (const auto& [pair, moment] : j.at("class_second_moment").items()) {
    const size_t bar = pair.find('|');
    const size_t a = static_cast<size_t>(op_class_from_string(pair.substr(0, bar), where));
    const size_t b = static_cast<size_t>(op_class_from_string(pair.substr(bar + 1), where));
    e.class_second[a][b] = moment.get<double>();
    if (a == b) e.class_known[a] = true;
  }
  for (const auto& [name, rms] : j.at("op_rms").items())
    e.op_rms[static_cast<size_t>(op_class_from_string(name, where))] = rms.get<double>();
  e.block_correlation = j.at("block_correlation").get<double>();
  e.source = j.at("source").get<std::string>();
  return e;
}

}  // namespace

const GainEvidence& shipped_gain_evidence() {
  static const GainEvidence e = parse(Json::parse(evidence_json));
  return e;
}

}  // namespace cpx::predictor
