// The device profile's one writer (profile_file.hpp): the struct the sweep fills, as the file holds it.
// Keys and their order are the file's (the sweep's checkpoints and a profile read back and written again
// are byte for byte the same); profile_file.cpp reads what this writes.
#include "profiler/profile/profile_file.hpp"

namespace cpx::profiler {

namespace {

// The sections in the order a profile file lists them (not ProfileSection's).
constexpr ProfileSection file_sections[] = {ProfileSection::configs, ProfileSection::zoo, ProfileSection::fasternet,
                                            ProfileSection::ops, ProfileSection::networks};

// A record's own fields, those of its section, after "id".
void write_section_fields(Json& j, const ProfileRecord& r, ProfileSection section) {
  switch (section) {
    case ProfileSection::configs:
      j.update({{"variant", to_string(r.variant)},
                {"kernel", r.kernel},
                {"groups", r.groups},
                {"channels", r.channels},
                {"resolution", r.resolution},
                {"stride", r.stride}});
      return;
    case ProfileSection::networks:
      if (r.sample_seed) j.update({{"sample_seed", *r.sample_seed}});
      return;
    case ProfileSection::fasternet:
      j.update({{"op", r.op}, {"channels", r.channels}, {"resolution", r.resolution}});
      return;
    case ProfileSection::zoo: j.update({{"model", r.model}, {"resolution", r.resolution}}); return;
    case ProfileSection::ops:
      if (!r.coverage_conv) return;
      const CoverageConv& c = *r.coverage_conv;
      j.update({{"kernel", {c.kernel_h, c.kernel_w}},
                {"groups", c.groups},
                {"in_channels", c.in_channels},
                {"out_channels", c.out_channels},
                {"resolution", c.resolution},
                {"stride", c.stride},
                {"activation", to_string(c.activation)},
                {"coverage_round", r.coverage_round},
                {"coverage_score", r.coverage_score}});
      return;
  }
}

// Where fit learns from the ops a record keeps them always; elsewhere (zoo, fasternet) only where it has some.
bool layers_required(ProfileSection s) {
  return s == ProfileSection::configs || s == ProfileSection::ops || s == ProfileSection::networks;
}

Json record_to_json(const ProfileRecord& r, ProfileSection section) {
  Json j = {{"macs", r.macs},
            {"params_inference", r.params_inference},
            {"bytes", r.bytes},
            {"timing", to_json(r.timing)},
            {"macps", r.macps}};
  if (r.fraction_of_peak) j.update({{"fraction_of_peak", *r.fraction_of_peak}});
  if (r.additivity) j.update({{"additivity", *r.additivity}});
  if (!r.layers.empty() || layers_required(section)) {
    Json layers = Json::array();
    for (const MeasuredOp& o : r.layers) layers.push_back(to_json(o, MeasuredOpDocument::profile));
    j.update({{"layers", std::move(layers)}});
  }
  if (r.caches) j.update({{"caches", caches_names.name_of(*r.caches)}});
  j.update({{"id", r.id}});
  write_section_fields(j, r, section);
  j.update({{"threads", r.threads}});
  if (r.elapsed_s) j.update({{"elapsed_s", *r.elapsed_s}});
  return j;
}

Json machine_speed_to_json(const MachineSpeed& m) {
  Json j = Json::object();
  if (!m.reference.empty()) j.update({{"reference", m.reference}});
  Json samples = Json::array();
  for (const SpeedSample& s : m.samples)
    samples.push_back({{"elapsed_s", s.elapsed_s}, {"threads", s.threads}, {"latency_us", s.latency_us}});
  j.update({{"samples", std::move(samples)}});
  if (m.spread) j.update({{"spread", *m.spread}});
  if (m.slowed) j.update({{"slowed", *m.slowed}});
  if (m.records_flagged) j.update({{"records_flagged", *m.records_flagged}});
  return j;
}

Json coverage_to_json(const ProfileCoverage& c) {
  Json rounds = Json::array();
  for (const CoverageRound& r : c.rounds)
    rounds.push_back({{"round", r.round},
                      {"budget_s", r.budget_s},
                      {"spent_s", r.spent_s},
                      {"measured", r.measured},
                      {"how", r.how}});
  return {{"seed", c.seed},
          {"candidates", c.candidates},
          {"macs_range", c.macs_range},
          {"max_bytes", c.max_bytes},
          {"rounds", std::move(rounds)}};
}

}  // namespace

Json to_json(const ProfilePeak& p) {
  return {{"threads", p.threads},
          {"peak_macps", p.peak_macps},
          {"peak_source", p.peak_source},
          {"fma_peak_macps", p.fma_peak_macps},
          {"fma_peak_source", p.fma_peak_source},
          {"bandwidth_bytes_per_s", p.bandwidth_bytes_per_s},
          {"cache_bandwidth_bytes_per_s", p.cache_bandwidth_bytes_per_s},
          {"dram_read_bytes_per_s", p.dram_read_bytes_per_s},
          {"last_level_cache_bytes", p.last_level_cache_bytes},
          {"gemm_tile_rows", p.gemm_tile_rows},
          {"gemm_tile_cols", p.gemm_tile_cols},
          {"gemm_tile_rows_source", p.gemm_tile_rows_source},
          {"probes", p.details}};
}

Json to_json(const ProfileOptions& o) {
  Json j = Json::object();
  if (o.quick) j.update({{"quick", *o.quick}});
  if (o.threads) j.update({{"threads", *o.threads}});
  if (o.budget_s) j.update({{"budget_s", *o.budget_s}});
  if (o.seed) j.update({{"seed", *o.seed}});
  if (o.cold_caches) {
    Json cold = Json::object();
    if (o.cold_caches->sections) {
      Json sections = Json::array();
      for (const ProfileSection s : *o.cold_caches->sections) sections.push_back(to_string(s));
      cold.update({{"sections", std::move(sections)}});
    }
    if (o.cold_caches->evict_bytes_per_thread)
      cold.update({{"evict_bytes_per_thread", *o.cold_caches->evict_bytes_per_thread}});
    if (o.cold_caches->warm_twins) cold.update({{"warm_twins", *o.cold_caches->warm_twins}});
    j.update({{"cold_caches", std::move(cold)}});
  }
  return j;
}

Json to_json(const Profile& p) {
  Json j = {{"schema", device_profile_schema}, {"device", p.device}, {"complete", p.complete}};
  if (p.options) j.update({{"options", to_json(*p.options)}});
  j.update({{"environment", p.environment}});
  if (p.definitions) j.update({{"definitions", *p.definitions}});
  Json peaks = Json::array();
  for (const ProfilePeak& peak : p.peaks) peaks.push_back(to_json(peak));
  j.update({{"peaks", std::move(peaks)}});
  for (const ProfileSection s : file_sections) {
    Json records = Json::array();
    for (const ProfileRecord& r : p[s]) records.push_back(record_to_json(r, s));
    j.update({{std::string(to_string(s)), std::move(records)}});
  }
  if (p.machine_speed) j.update({{"machine_speed", machine_speed_to_json(*p.machine_speed)}});
  if (p.coverage) j.update({{"coverage", coverage_to_json(*p.coverage)}});
  if (p.elapsed_s) j.update({{"elapsed_s", *p.elapsed_s}});
  if (p.interference) j.update({{"interference", *p.interference}});
  return j;
}

}  // namespace cpx::profiler
