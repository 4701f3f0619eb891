// The evidence behind advise's gain intervals: benchmarks/gain_evidence.py's output on per-op residuals of
// the host predictor (held-out networks only), one document per thread count, each kept verbatim in
// benchmarks/results/ (its file named in its source) and here, so that an installed binary needs no data
// file. Read it again: `benchmarks/gain_evidence.py --collect DIR --networks ... --threads N --json-out FILE`,
// then paste FILE below. 1 thread: benchmarks/results/gain-evidence-1t-avx512-2026-11-30b.json; 2 threads:
// benchmarks/results/gain-evidence-2t-avx512-2026-11-30b.json.
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
 "source": "benchmarks/gain_evidence.py --collect, twice (pooled): measure --layers and predict --layers --device host, 1 thread, the 19 held-out zoo networks, AMD EPYC x86-64 AVX-512F 2 vCPU shared VM, 2026-11-30 (b), nothing else of ours running; host fit of the 2026-11-30 profile (22% of its measurements flagged noisy, mostly by the speed reference: fit --allow-noisy) with 1x1 grouped convs in the pointwise class and the igemm's vector padding; benchmarks/results/gain-evidence-1t-avx512-2026-11-30b.json",
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
  "conv_dense|conv_dense": 0.012583850264395575,
  "conv_dense|conv_depthwise": -0.007329773467773652,
  "conv_dense|conv_pointwise": -0.0019276819197189628,
  "conv_dense|data_movement": 0.006512281747587365,
  "conv_dense|elementwise": 0.0021793169755340526,
  "conv_dense|fully_connected": 0.021459979355875916,
  "conv_dense|matmul": -0.004098236214485249,
  "conv_depthwise|conv_dense": -0.007329773467773652,
  "conv_depthwise|conv_depthwise": 0.01979789958621497,
  "conv_depthwise|conv_pointwise": 0.00044824786606242114,
  "conv_depthwise|elementwise": -0.011734892287176925,
  "conv_depthwise|fully_connected": 1.213809102926638e-05,
  "conv_pointwise|conv_dense": -0.0019276819197189628,
  "conv_pointwise|conv_depthwise": 0.00044824786606242114,
  "conv_pointwise|conv_pointwise": 0.0005589227533042311,
  "conv_pointwise|data_movement": -0.001027321381115726,
  "conv_pointwise|elementwise": -0.0007774050326856219,
  "conv_pointwise|fully_connected": -0.006526173214771167,
  "conv_pointwise|matmul": 0.0006807704247777923,
  "data_movement|conv_dense": 0.006512281747587365,
  "data_movement|conv_pointwise": -0.001027321381115726,
  "data_movement|data_movement": 0.01492086735045353,
  "data_movement|fully_connected": -0.018026351540367337,
  "elementwise|conv_dense": 0.0021793169755340526,
  "elementwise|conv_depthwise": -0.011734892287176925,
  "elementwise|conv_pointwise": -0.0007774050326856219,
  "elementwise|elementwise": 0.04184017093861799,
  "fully_connected|conv_dense": 0.021459979355875916,
  "fully_connected|conv_depthwise": 1.213809102926638e-05,
  "fully_connected|conv_pointwise": -0.006526173214771167,
  "fully_connected|data_movement": -0.018026351540367337,
  "fully_connected|fully_connected": 0.09221168198948879,
  "matmul|conv_dense": -0.004098236214485249,
  "matmul|conv_pointwise": 0.0006807704247777923,
  "matmul|matmul": 0.009707859928384995
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
  "conv_dense": 0.08007149139666911,
  "conv_grouped": 0.04307562786942131,
  "conv_pointwise": 0.06558435355327856,
  "norm": 0.058078142417502476,
  "softmax": 0.23784908490121248,
  "matmul": 0.17314525453144483,
  "conv_depthwise": 0.17902467635080593,
  "pooling": 0.04502267416848699,
  "fully_connected": 0.013207008032735093,
  "elementwise": 0.3465327486081744,
  "data_movement": 0.323857909493124,
  "conv_depthwise_generic": 0.15594678751304436,
  "resize": 0.06639944198084188
 },
 "op_count": {
  "conv_dense": 152,
  "conv_grouped": 68,
  "conv_pointwise": 1612,
  "norm": 173,
  "softmax": 85,
  "matmul": 155,
  "conv_depthwise": 561,
  "pooling": 50,
  "fully_connected": 46,
  "elementwise": 327,
  "data_movement": 224,
  "conv_depthwise_generic": 141,
  "resize": 40
 },
 "block_correlation": 0.005762193500911726,
 "block_pairs": 5011,
 "threads": 1
}
)evidence",
                                         R"evidence(
{
 "schema": "cpubone-explore/gain-evidence/v1",
 "source": "benchmarks/gain_evidence.py --collect, twice (pooled): measure --layers and predict --layers --device host, 2 threads, the 19 held-out zoo networks, AMD EPYC x86-64 AVX-512F 2 vCPU shared VM, 2026-11-30 (b), nothing else of ours running; host fit of the 2026-11-30 profile (22% of its measurements flagged noisy, mostly by the speed reference: fit --allow-noisy) with 1x1 grouped convs in the pointwise class and the igemm's vector padding; benchmarks/results/gain-evidence-2t-avx512-2026-11-30b.json",
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
  "conv_dense|conv_dense": 0.05149670055497233,
  "conv_dense|conv_depthwise": 0.025150934143636314,
  "conv_dense|conv_pointwise": -0.0032067551329943663,
  "conv_dense|data_movement": -0.015160146420591734,
  "conv_dense|elementwise": 0.005883913557474795,
  "conv_dense|fully_connected": -0.040024584711394376,
  "conv_dense|matmul": 0.007182718659157018,
  "conv_dense|norm": 0.0118192117462109,
  "conv_dense|pooling": -0.03117593844025209,
  "conv_dense|softmax": -0.028926471250846877,
  "conv_depthwise|conv_dense": 0.025150934143636314,
  "conv_depthwise|conv_depthwise": 0.0688405779592714,
  "conv_depthwise|conv_pointwise": -0.007817091190678362,
  "conv_depthwise|data_movement": -0.009031377706782228,
  "conv_depthwise|elementwise": 0.03962308915636874,
  "conv_depthwise|fully_connected": -0.07928532800251538,
  "conv_depthwise|matmul": 0.023059918553188785,
  "conv_depthwise|pooling": -0.04085498109048795,
  "conv_pointwise|conv_dense": -0.0032067551329943663,
  "conv_pointwise|conv_depthwise": -0.007817091190678362,
  "conv_pointwise|conv_pointwise": 0.005858178111849516,
  "conv_pointwise|data_movement": -0.02631324486946604,
  "conv_pointwise|elementwise": 0.0008810116785275479,
  "conv_pointwise|fully_connected": -0.0009210952740731915,
  "conv_pointwise|matmul": -0.0058223650809391325,
  "conv_pointwise|norm": 0.002644763398622696,
  "conv_pointwise|pooling": 0.0331057843400318,
  "conv_pointwise|softmax": 2.212245832334313e-05,
  "data_movement|conv_dense": -0.015160146420591734,
  "data_movement|conv_depthwise": -0.009031377706782228,
  "data_movement|conv_pointwise": -0.02631324486946604,
  "data_movement|data_movement": 0.11458112228332687,
  "elementwise|conv_dense": 0.005883913557474795,
  "elementwise|conv_depthwise": 0.03962308915636874,
  "elementwise|conv_pointwise": 0.0008810116785275479,
  "elementwise|elementwise": 0.09660842885933406,
  "fully_connected|conv_dense": -0.040024584711394376,
  "fully_connected|conv_depthwise": -0.07928532800251538,
  "fully_connected|conv_pointwise": -0.0009210952740731915,
  "fully_connected|fully_connected": 0.10330883309484909,
  "matmul|conv_dense": 0.007182718659157018,
  "matmul|conv_depthwise": 0.023059918553188785,
  "matmul|conv_pointwise": -0.0058223650809391325,
  "matmul|matmul": 0.033493434822666146,
  "matmul|norm": -0.0031721962140395447,
  "matmul|softmax": 0.0066275107790999075,
  "norm|conv_dense": 0.0118192117462109,
  "norm|conv_pointwise": 0.002644763398622696,
  "norm|matmul": -0.0031721962140395447,
  "norm|norm": 0.03019227717650832,
  "norm|softmax": -0.005967785415619641,
  "pooling|conv_dense": -0.03117593844025209,
  "pooling|conv_depthwise": -0.04085498109048795,
  "pooling|conv_pointwise": 0.0331057843400318,
  "pooling|pooling": 0.07595182321666828,
  "softmax|conv_dense": -0.028926471250846877,
  "softmax|conv_pointwise": 2.212245832334313e-05,
  "softmax|matmul": 0.0066275107790999075,
  "softmax|norm": -0.005967785415619641,
  "softmax|softmax": 0.1815043238878943
 },
 "class_pair_networks": {
  "conv_dense|conv_dense": 19,
  "conv_dense|conv_depthwise": 13,
  "conv_dense|conv_pointwise": 19,
  "conv_dense|data_movement": 8,
  "conv_dense|elementwise": 8,
  "conv_dense|fully_connected": 10,
  "conv_dense|matmul": 9,
  "conv_dense|norm": 7,
  "conv_dense|pooling": 5,
  "conv_dense|softmax": 7,
  "conv_depthwise|conv_dense": 13,
  "conv_depthwise|conv_depthwise": 13,
  "conv_depthwise|conv_pointwise": 13,
  "conv_depthwise|data_movement": 6,
  "conv_depthwise|elementwise": 8,
  "conv_depthwise|fully_connected": 6,
  "conv_depthwise|matmul": 5,
  "conv_depthwise|pooling": 5,
  "conv_pointwise|conv_dense": 19,
  "conv_pointwise|conv_depthwise": 13,
  "conv_pointwise|conv_pointwise": 19,
  "conv_pointwise|data_movement": 8,
  "conv_pointwise|elementwise": 8,
  "conv_pointwise|fully_connected": 10,
  "conv_pointwise|matmul": 9,
  "conv_pointwise|norm": 7,
  "conv_pointwise|pooling": 5,
  "conv_pointwise|softmax": 7,
  "data_movement|conv_dense": 8,
  "data_movement|conv_depthwise": 6,
  "data_movement|conv_pointwise": 8,
  "data_movement|data_movement": 8,
  "elementwise|conv_dense": 8,
  "elementwise|conv_depthwise": 8,
  "elementwise|conv_pointwise": 8,
  "elementwise|elementwise": 8,
  "fully_connected|conv_dense": 10,
  "fully_connected|conv_depthwise": 6,
  "fully_connected|conv_pointwise": 10,
  "fully_connected|fully_connected": 10,
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
  "pooling|conv_dense": 5,
  "pooling|conv_depthwise": 5,
  "pooling|conv_pointwise": 5,
  "pooling|pooling": 5,
  "softmax|conv_dense": 7,
  "softmax|conv_pointwise": 7,
  "softmax|matmul": 7,
  "softmax|norm": 5,
  "softmax|softmax": 7
 },
 "op_rms": {
  "conv_dense": 0.08756111968228569,
  "conv_grouped": 0.07618486857666687,
  "conv_pointwise": 0.10140505096028742,
  "norm": 0.08704761108559919,
  "matmul": 0.32487155337264556,
  "softmax": 0.21503893351050588,
  "conv_depthwise": 0.19147669948560403,
  "fully_connected": 0.005583317764282622,
  "elementwise": 0.34752772831550777,
  "data_movement": 0.36154371255668005,
  "conv_depthwise_generic": 0.11681043293899482,
  "resize": 0.1906443535527244,
  "pooling": 0.18392265763236035
 },
 "op_count": {
  "conv_dense": 152,
  "conv_grouped": 68,
  "conv_pointwise": 1611,
  "norm": 210,
  "matmul": 233,
  "softmax": 85,
  "conv_depthwise": 603,
  "fully_connected": 46,
  "elementwise": 556,
  "data_movement": 553,
  "conv_depthwise_generic": 144,
  "resize": 76,
  "pooling": 114
 },
 "block_correlation": 0.1074630869800596,
 "block_pairs": 8225,
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
