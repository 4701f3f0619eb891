// The evidence behind advise's gain intervals: benchmarks/gain_evidence.py's output on per-op residuals of
// the host predictor (held-out networks only), one document per thread count, each kept verbatim in
// benchmarks/results/ (its file named in its source) and here, so that an installed binary needs no data
// file. Read it again: `benchmarks/gain_evidence.py --collect DIR --networks ... --threads N --json-out FILE`,
// then paste FILE below. 1 thread: benchmarks/results/gain-evidence-1t-avx512-2026-11-30c.json; 2 threads:
// benchmarks/results/gain-evidence-2t-avx512-2026-11-30c.json.
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
 "source": "benchmarks/gain_evidence.py --measured, the reads of 2026-11-30 (b) (measure --layers, twice, pooled) with predict --layers --device host of the refit of 2026-11-30 (c): 1 thread, the 19 held-out zoo networks, AMD EPYC x86-64 AVX-512F 2 vCPU shared VM; host fit of the 2026-11-30 profile (22% of its measurements flagged noisy, mostly by the speed reference: fit --allow-noisy) in which a hardswish the conv's kernel applies in its store is no pass of its own; benchmarks/results/gain-evidence-1t-avx512-2026-11-30c.json",
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
  "conv_dense|conv_dense": 0.011662955239950036,
  "conv_dense|conv_depthwise": 0.0012978926061930308,
  "conv_dense|conv_pointwise": -0.002787976560917988,
  "conv_dense|data_movement": 0.0074846005443490815,
  "conv_dense|elementwise": -0.0021682490405927476,
  "conv_dense|fully_connected": 0.017144779336935943,
  "conv_dense|matmul": -0.005383392431618195,
  "conv_depthwise|conv_dense": 0.0012978926061930308,
  "conv_depthwise|conv_depthwise": 0.03398234108063757,
  "conv_depthwise|conv_pointwise": -0.001602358455908473,
  "conv_depthwise|elementwise": -0.02268015870875688,
  "conv_depthwise|fully_connected": 0.010716660549971968,
  "conv_pointwise|conv_dense": -0.002787976560917988,
  "conv_pointwise|conv_depthwise": -0.001602358455908473,
  "conv_pointwise|conv_pointwise": 0.0010438510870670794,
  "conv_pointwise|data_movement": -0.0025522960057954226,
  "conv_pointwise|elementwise": -0.00042448891057581017,
  "conv_pointwise|fully_connected": -0.0070322564147394795,
  "conv_pointwise|matmul": 0.00022899409091709563,
  "data_movement|conv_dense": 0.0074846005443490815,
  "data_movement|conv_pointwise": -0.0025522960057954226,
  "data_movement|data_movement": 0.015326331589905567,
  "data_movement|fully_connected": -0.02036050374777202,
  "elementwise|conv_dense": -0.0021682490405927476,
  "elementwise|conv_depthwise": -0.02268015870875688,
  "elementwise|conv_pointwise": -0.00042448891057581017,
  "elementwise|elementwise": 0.04592653048575445,
  "fully_connected|conv_dense": 0.017144779336935943,
  "fully_connected|conv_depthwise": 0.010716660549971968,
  "fully_connected|conv_pointwise": -0.0070322564147394795,
  "fully_connected|data_movement": -0.02036050374777202,
  "fully_connected|fully_connected": 0.09047971158129198,
  "matmul|conv_dense": -0.005383392431618195,
  "matmul|conv_pointwise": 0.00022899409091709563,
  "matmul|matmul": 0.008729151606590331
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
  "conv_dense": 0.07123251383975611,
  "conv_grouped": 0.03902497664249508,
  "conv_pointwise": 0.0654877852590048,
  "norm": 0.05807814241750247,
  "softmax": 0.2378490849012124,
  "matmul": 0.17314525453144483,
  "conv_depthwise": 0.17818040098676077,
  "pooling": 0.04502267416848697,
  "fully_connected": 0.013207008032735093,
  "elementwise": 0.3465327486081744,
  "data_movement": 0.32385790949312404,
  "conv_depthwise_generic": 0.15427931120190508,
  "resize": 0.06639944198084186
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
 "block_correlation": 0.09124787177141139,
 "block_pairs": 5011,
 "threads": 1
}
)evidence",
                                         R"evidence(
{
 "schema": "cpubone-explore/gain-evidence/v1",
 "source": "benchmarks/gain_evidence.py --measured, the reads of 2026-11-30 (b) (measure --layers, twice, pooled) with predict --layers --device host of the refit of 2026-11-30 (c): 2 threads, the 19 held-out zoo networks, AMD EPYC x86-64 AVX-512F 2 vCPU shared VM; host fit of the 2026-11-30 profile (22% of its measurements flagged noisy, mostly by the speed reference: fit --allow-noisy) in which a hardswish the conv's kernel applies in its store is no pass of its own; benchmarks/results/gain-evidence-2t-avx512-2026-11-30c.json",
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
  "conv_dense|conv_dense": 0.04365441201216019,
  "conv_dense|conv_depthwise": -0.004877127021185507,
  "conv_dense|conv_pointwise": -0.00038562270728181684,
  "conv_dense|data_movement": -0.004903017403272635,
  "conv_dense|elementwise": 0.004968088601305298,
  "conv_dense|fully_connected": -0.04013617275420187,
  "conv_dense|matmul": 0.0043825143600904025,
  "conv_dense|norm": 0.011583185684289546,
  "conv_dense|pooling": -0.010718214740390579,
  "conv_dense|softmax": -0.025985610066973898,
  "conv_depthwise|conv_dense": -0.004877127021185507,
  "conv_depthwise|conv_depthwise": 0.038536022126401205,
  "conv_depthwise|conv_pointwise": 0.00013960844336766034,
  "conv_depthwise|data_movement": 0.002218825641698773,
  "conv_depthwise|elementwise": -0.0037902017343796725,
  "conv_depthwise|fully_connected": -0.06709209444896086,
  "conv_depthwise|matmul": -0.004347390497490085,
  "conv_depthwise|pooling": 0.01603272020383563,
  "conv_pointwise|conv_dense": -0.00038562270728181684,
  "conv_pointwise|conv_depthwise": 0.00013960844336766034,
  "conv_pointwise|conv_pointwise": 0.0041547427672141805,
  "conv_pointwise|data_movement": -0.023587291107697934,
  "conv_pointwise|elementwise": 0.0024226217046783094,
  "conv_pointwise|fully_connected": 0.0024812211909533673,
  "conv_pointwise|matmul": -0.005669436130634313,
  "conv_pointwise|norm": 0.00222706070369158,
  "conv_pointwise|pooling": 0.021503032085685336,
  "conv_pointwise|softmax": -0.008188607876328002,
  "data_movement|conv_dense": -0.004903017403272635,
  "data_movement|conv_depthwise": 0.002218825641698773,
  "data_movement|conv_pointwise": -0.023587291107697934,
  "data_movement|data_movement": 0.11070572549772724,
  "elementwise|conv_dense": 0.004968088601305298,
  "elementwise|conv_depthwise": -0.0037902017343796725,
  "elementwise|conv_pointwise": 0.0024226217046783094,
  "elementwise|elementwise": 0.1130770066941998,
  "fully_connected|conv_dense": -0.04013617275420187,
  "fully_connected|conv_depthwise": -0.06709209444896086,
  "fully_connected|conv_pointwise": 0.0024812211909533673,
  "fully_connected|fully_connected": 0.10056263609307312,
  "matmul|conv_dense": 0.0043825143600904025,
  "matmul|conv_depthwise": -0.004347390497490085,
  "matmul|conv_pointwise": -0.005669436130634313,
  "matmul|matmul": 0.038689024960446586,
  "matmul|norm": -0.0019674920196490965,
  "matmul|softmax": -0.004527759327630945,
  "norm|conv_dense": 0.011583185684289546,
  "norm|conv_pointwise": 0.00222706070369158,
  "norm|matmul": -0.0019674920196490965,
  "norm|norm": 0.029749684918065282,
  "norm|softmax": -0.0053495135136517645,
  "pooling|conv_dense": -0.010718214740390579,
  "pooling|conv_depthwise": 0.01603272020383563,
  "pooling|conv_pointwise": 0.021503032085685336,
  "pooling|pooling": 0.06526154612815742,
  "softmax|conv_dense": -0.025985610066973898,
  "softmax|conv_pointwise": -0.008188607876328002,
  "softmax|matmul": -0.004527759327630945,
  "softmax|norm": -0.0053495135136517645,
  "softmax|softmax": 0.15695312873390824
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
  "conv_dense": 0.09974826326636181,
  "conv_grouped": 0.07773941040960579,
  "conv_pointwise": 0.09237577025508377,
  "norm": 0.08704761108559915,
  "matmul": 0.3248715533726456,
  "softmax": 0.21503893351050588,
  "conv_depthwise": 0.17951690493419278,
  "fully_connected": 0.005583317764282616,
  "elementwise": 0.3475277283155077,
  "data_movement": 0.36154371255668005,
  "conv_depthwise_generic": 0.12616550015036565,
  "resize": 0.19064435355272438,
  "pooling": 0.18392265763236032
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
 "block_correlation": 0.08138873850434421,
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
