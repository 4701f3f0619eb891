// The evidence behind advise's gain intervals: benchmarks/gain_evidence.py's output on per-op residuals of
// the host predictor (held-out networks only), one document per thread count, each kept verbatim in
// benchmarks/results/ (its file named in its source) and here, so that an installed binary needs no data
// file. Read it again: `benchmarks/gain_evidence.py --collect DIR --networks ... --threads N --json-out FILE`,
// then paste FILE below. 1 thread: benchmarks/results/gain-evidence-avx512-2026-11-29c.json; 2 threads:
// benchmarks/results/gain-evidence-2t-avx512-2026-11-30.json.
#include <algorithm>
#include <cmath>
#include <vector>

#include "predictor/gain_interval.hpp"

namespace cpx::predictor {

namespace {

// One document per thread count it was read at.
constexpr const char* evidence_json[] = {R"evidence(
{
 "schema": "cpubone-explore/gain-evidence/v1",
 "source": "benchmarks/gain_evidence.py --measured: measure --layers and predict --layers --device host, 1 thread, 19 held-out zoo networks (families the host fit did not see, none scored by advise benchmarks), AMD EPYC x86-64 AVX-512F 2 vCPU shared VM, 2026-11-29 (c), nothing else running; host fit of a profile with 16% of its measurements flagged noisy (the VM's speed reference drifted; fit --allow-noisy)",
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
  "min_networks": 5
 },
 "class_second_moment": {
  "conv_dense|conv_dense": 0.009690151288252302,
  "conv_dense|conv_depthwise": -0.007037473587484275,
  "conv_dense|conv_pointwise": -0.0010757707484076446,
  "conv_dense|data_movement": -0.0005919644316396776,
  "conv_dense|elementwise": 0.009357230666790043,
  "conv_dense|fully_connected": 0.014345189607231874,
  "conv_dense|matmul": -0.009164981063317373,
  "conv_depthwise|conv_dense": -0.007037473587484275,
  "conv_depthwise|conv_depthwise": 0.04224082035933416,
  "conv_depthwise|conv_pointwise": -0.0014768590257877258,
  "conv_depthwise|elementwise": 0.04082572270994396,
  "conv_depthwise|fully_connected": -0.02494245770037573,
  "conv_pointwise|conv_dense": -0.0010757707484076446,
  "conv_pointwise|conv_depthwise": -0.0014768590257877258,
  "conv_pointwise|conv_pointwise": 0.00046843884153363065,
  "conv_pointwise|data_movement": 0.00018359379594332266,
  "conv_pointwise|elementwise": -0.006072013432778694,
  "conv_pointwise|fully_connected": -0.004972188324549614,
  "conv_pointwise|matmul": -0.0013142165901967981,
  "data_movement|conv_dense": -0.0005919644316396776,
  "data_movement|conv_pointwise": 0.00018359379594332266,
  "data_movement|data_movement": 0.016810135344238596,
  "data_movement|fully_connected": -0.03238380313423448,
  "elementwise|conv_dense": 0.009357230666790043,
  "elementwise|conv_depthwise": 0.04082572270994396,
  "elementwise|conv_pointwise": -0.006072013432778694,
  "elementwise|elementwise": 0.1786650443773646,
  "fully_connected|conv_dense": 0.014345189607231874,
  "fully_connected|conv_depthwise": -0.02494245770037573,
  "fully_connected|conv_pointwise": -0.004972188324549614,
  "fully_connected|data_movement": -0.03238380313423448,
  "fully_connected|fully_connected": 0.10648346915637866,
  "matmul|conv_dense": -0.009164981063317373,
  "matmul|conv_pointwise": -0.0013142165901967981,
  "matmul|matmul": 0.016751936377962108
 },
 "class_pair_networks": {
  "conv_dense|conv_dense": 19,
  "conv_dense|conv_depthwise": 12,
  "conv_dense|conv_pointwise": 19,
  "conv_dense|data_movement": 6,
  "conv_dense|elementwise": 7,
  "conv_dense|fully_connected": 11,
  "conv_dense|matmul": 5,
  "conv_depthwise|conv_dense": 12,
  "conv_depthwise|conv_depthwise": 12,
  "conv_depthwise|conv_pointwise": 12,
  "conv_depthwise|elementwise": 7,
  "conv_depthwise|fully_connected": 6,
  "conv_pointwise|conv_dense": 19,
  "conv_pointwise|conv_depthwise": 12,
  "conv_pointwise|conv_pointwise": 19,
  "conv_pointwise|data_movement": 6,
  "conv_pointwise|elementwise": 7,
  "conv_pointwise|fully_connected": 11,
  "conv_pointwise|matmul": 5,
  "data_movement|conv_dense": 6,
  "data_movement|conv_pointwise": 6,
  "data_movement|data_movement": 6,
  "data_movement|fully_connected": 5,
  "elementwise|conv_dense": 7,
  "elementwise|conv_depthwise": 7,
  "elementwise|conv_pointwise": 7,
  "elementwise|elementwise": 7,
  "fully_connected|conv_dense": 11,
  "fully_connected|conv_depthwise": 6,
  "fully_connected|conv_pointwise": 11,
  "fully_connected|data_movement": 5,
  "fully_connected|fully_connected": 11,
  "matmul|conv_dense": 5,
  "matmul|conv_pointwise": 5,
  "matmul|matmul": 5
 },
 "op_rms": {
  "conv_dense": 0.09944823390082676,
  "conv_grouped": 0.046005619628882756,
  "conv_pointwise": 0.06806643559894344,
  "norm": 0.06157067576453105,
  "softmax": 0.21046132239201246,
  "matmul": 0.20541018910265954,
  "conv_depthwise": 0.17712937132571013,
  "fully_connected": 0.007766472985786709,
  "elementwise": 0.3646376446944123,
  "data_movement": 0.3187677560767326,
  "conv_depthwise_generic": 0.15614414027071344,
  "resize": 0.23740553911908457,
  "pooling": 0.06137139037915645
 },
 "op_count": {
  "conv_dense": 76,
  "conv_grouped": 39,
  "conv_pointwise": 803,
  "norm": 80,
  "softmax": 42,
  "matmul": 77,
  "conv_depthwise": 274,
  "fully_connected": 23,
  "elementwise": 160,
  "data_movement": 107,
  "conv_depthwise_generic": 70,
  "resize": 20,
  "pooling": 27
 },
 "block_correlation": 0.1465426925484928,
 "block_pairs": 2378,
 "threads": 1
}
)evidence",
                                         R"evidence(
{
 "schema": "cpubone-explore/gain-evidence/v1",
 "source": "benchmarks/gain_evidence.py --collect, twice (pooled): measure --layers and predict --layers --device host, 2 threads, the 19 held-out zoo networks of the 1-thread evidence, AMD EPYC x86-64 AVX-512F 2 vCPU shared VM, 2026-11-30, nothing else of ours running; host fit of a profile taken just before (22% of its measurements flagged noisy, mostly by the speed reference: fit --allow-noisy); benchmarks/results/gain-evidence-2t-avx512-2026-11-30.json",
 "networks": 19,
 "reads": 38,
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
  "min_networks": 5
 },
 "class_second_moment": {
  "conv_dense|conv_dense": 0.03827237945885381,
  "conv_dense|conv_depthwise": 0.031641402681722205,
  "conv_dense|conv_pointwise": -0.0061126005117645085,
  "conv_dense|data_movement": 0.003974825345619301,
  "conv_dense|elementwise": 0.002324549466473194,
  "conv_dense|fully_connected": -0.025662482743474813,
  "conv_dense|matmul": 0.019573106783915335,
  "conv_dense|norm": 0.004780647389314062,
  "conv_dense|softmax": -0.018835396085216557,
  "conv_depthwise|conv_dense": 0.031641402681722205,
  "conv_depthwise|conv_depthwise": 0.0662185836373205,
  "conv_depthwise|conv_pointwise": -0.012290984342394666,
  "conv_depthwise|data_movement": -0.006300949096896308,
  "conv_depthwise|elementwise": 0.03614784174222966,
  "conv_depthwise|fully_connected": -0.024912647793649382,
  "conv_depthwise|matmul": 0.020497844208769773,
  "conv_pointwise|conv_dense": -0.0061126005117645085,
  "conv_pointwise|conv_depthwise": -0.012290984342394666,
  "conv_pointwise|conv_pointwise": 0.00805572529159947,
  "conv_pointwise|data_movement": -0.028404943396209078,
  "conv_pointwise|elementwise": 0.00464923647511671,
  "conv_pointwise|fully_connected": 0.004348245770513263,
  "conv_pointwise|matmul": -0.009695484720927123,
  "conv_pointwise|norm": 0.0029982785114107693,
  "conv_pointwise|softmax": -0.004877046839158755,
  "data_movement|conv_dense": 0.003974825345619301,
  "data_movement|conv_depthwise": -0.006300949096896308,
  "data_movement|conv_pointwise": -0.028404943396209078,
  "data_movement|data_movement": 0.07507069932542504,
  "data_movement|fully_connected": 0.0032251992274315334,
  "elementwise|conv_dense": 0.002324549466473194,
  "elementwise|conv_depthwise": 0.03614784174222966,
  "elementwise|conv_pointwise": 0.00464923647511671,
  "elementwise|elementwise": 0.09459907262757222,
  "fully_connected|conv_dense": -0.025662482743474813,
  "fully_connected|conv_depthwise": -0.024912647793649382,
  "fully_connected|conv_pointwise": 0.004348245770513263,
  "fully_connected|data_movement": 0.0032251992274315334,
  "fully_connected|fully_connected": 0.04264206744561142,
  "matmul|conv_dense": 0.019573106783915335,
  "matmul|conv_depthwise": 0.020497844208769773,
  "matmul|conv_pointwise": -0.009695484720927123,
  "matmul|matmul": 0.049158607822571164,
  "matmul|norm": -0.009974467820543467,
  "matmul|softmax": 0.0074277374491732205,
  "norm|conv_dense": 0.004780647389314062,
  "norm|conv_pointwise": 0.0029982785114107693,
  "norm|matmul": -0.009974467820543467,
  "norm|norm": 0.014690099008527318,
  "norm|softmax": -0.010469440092198816,
  "softmax|conv_dense": -0.018835396085216557,
  "softmax|conv_pointwise": -0.004877046839158755,
  "softmax|matmul": 0.0074277374491732205,
  "softmax|norm": -0.010469440092198816,
  "softmax|softmax": 0.17877297387844518
 },
 "class_pair_networks": {
  "conv_dense|conv_dense": 19,
  "conv_dense|conv_depthwise": 13,
  "conv_dense|conv_pointwise": 19,
  "conv_dense|data_movement": 8,
  "conv_dense|elementwise": 8,
  "conv_dense|fully_connected": 11,
  "conv_dense|matmul": 9,
  "conv_dense|norm": 7,
  "conv_dense|softmax": 7,
  "conv_depthwise|conv_dense": 13,
  "conv_depthwise|conv_depthwise": 13,
  "conv_depthwise|conv_pointwise": 13,
  "conv_depthwise|data_movement": 6,
  "conv_depthwise|elementwise": 8,
  "conv_depthwise|fully_connected": 7,
  "conv_depthwise|matmul": 5,
  "conv_pointwise|conv_dense": 19,
  "conv_pointwise|conv_depthwise": 13,
  "conv_pointwise|conv_pointwise": 19,
  "conv_pointwise|data_movement": 8,
  "conv_pointwise|elementwise": 8,
  "conv_pointwise|fully_connected": 11,
  "conv_pointwise|matmul": 9,
  "conv_pointwise|norm": 7,
  "conv_pointwise|softmax": 7,
  "data_movement|conv_dense": 8,
  "data_movement|conv_depthwise": 6,
  "data_movement|conv_pointwise": 8,
  "data_movement|data_movement": 8,
  "data_movement|fully_connected": 5,
  "elementwise|conv_dense": 8,
  "elementwise|conv_depthwise": 8,
  "elementwise|conv_pointwise": 8,
  "elementwise|elementwise": 8,
  "fully_connected|conv_dense": 11,
  "fully_connected|conv_depthwise": 7,
  "fully_connected|conv_pointwise": 11,
  "fully_connected|data_movement": 5,
  "fully_connected|fully_connected": 11,
  "matmul|conv_dense": 9,
  "matmul|conv_depthwise": 5,
  "matmul|conv_pointwise": 9,
  "matmul|matmul": 9,
  "matmul|norm": 7,
  "matmul|softmax": 7,
  "norm|conv_dense": 7,
  "norm|conv_pointwise": 7,
  "norm|matmul": 7,
  "norm|norm": 7,
  "norm|softmax": 5,
  "softmax|conv_dense": 7,
  "softmax|conv_pointwise": 7,
  "softmax|matmul": 7,
  "softmax|norm": 5,
  "softmax|softmax": 7
 },
 "op_rms": {
  "conv_dense": 0.08325468935017592,
  "conv_grouped": 0.07285828067643216,
  "conv_pointwise": 0.08926553524314335,
  "norm": 0.08926474369704755,
  "matmul": 0.2956705616210612,
  "softmax": 0.20112775190317508,
  "resize": 0.19464625116952222,
  "elementwise": 0.3468405651308802,
  "conv_depthwise": 0.16558898988260848,
  "pooling": 0.18555624137522989,
  "fully_connected": 0.00782537746072494,
  "data_movement": 0.3612379592620238,
  "conv_depthwise_generic": 0.09789258507519885
 },
 "op_count": {
  "conv_dense": 152,
  "conv_grouped": 78,
  "conv_pointwise": 1613,
  "norm": 226,
  "matmul": 244,
  "softmax": 97,
  "resize": 85,
  "elementwise": 582,
  "conv_depthwise": 619,
  "pooling": 122,
  "fully_connected": 46,
  "data_movement": 582,
  "conv_depthwise_generic": 144
 },
 "block_correlation": 0.0715873494193381,
 "block_pairs": 8768,
 "threads": 2
}
)evidence"};

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
  e.threads = j.at("threads").get<int64_t>();
  return e;
}

}  // namespace

const GainEvidence& shipped_gain_evidence(int64_t threads) {
  static const std::vector<GainEvidence> read = [] {
    std::vector<GainEvidence> out;
    for (const char* doc : evidence_json) out.push_back(parse(Json::parse(doc)));
    std::ranges::sort(out, {}, &GainEvidence::threads);
    return out;
  }();
  const auto above = std::ranges::upper_bound(read, threads, {}, &GainEvidence::threads);
  return above == read.begin() ? read.front() : *std::prev(above);
}

}  // namespace cpx::predictor
