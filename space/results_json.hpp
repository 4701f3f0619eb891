// Internal to space/results_from_json.cpp and space/results_to_json.cpp: one get_value and one put_value per
// type of the results document (space/results.hpp), and the four ways a field is read and written:
// get/put (always there; a std::optional one may be null), get_absent/put_absent (a field written only where it
// applies: absent when unset), get_opt2/put_opt2 (both: absent, null or a value).
#pragma once

#include "space/results.hpp"

namespace cpx::results::io {

inline void get_value(const Json& v, std::string& out) { out = v.get<std::string>(); }
inline void get_value(const Json& v, bool& out) { out = v.get<bool>(); }
inline void get_value(const Json& v, double& out) { out = v.get<double>(); }
inline void get_value(const Json& v, int64_t& out) { out = v.get<int64_t>(); }
inline void get_value(const Json& v, uint64_t& out) { out = v.get<uint64_t>(); }
inline void get_value(const Json& v, Json& out) { out = v; }
inline Json put_value(const std::string& v) { return v; }
inline Json put_value(bool v) { return v; }
inline Json put_value(double v) { return v; }
inline Json put_value(int64_t v) { return v; }
inline Json put_value(uint64_t v) { return v; }
inline Json put_value(const Json& v) { return v; }
// A choice by its names table (validate_results has checked that it is one of them).
template <class E, size_t N>
void get_choice(const Json& v, const Names<E, N>& names, E& out) {
  out = names.parse(v.get<std::string>(), "a results choice");
}
inline void get_value(const Json& v, TimedBy& out) { get_choice(v, timed_by_names, out); }
inline Json put_value(TimedBy v) { return std::string(timed_by_names.name_of(v)); }
inline void get_value(const Json& v, AccuracyKind& out) { get_choice(v, accuracy_kind_names, out); }
inline Json put_value(AccuracyKind v) { return std::string(accuracy_kind_names.name_of(v)); }
inline void get_value(const Json& v, RuleSource& out) { get_choice(v, rule_source_names, out); }
inline Json put_value(RuleSource v) { return std::string(rule_source_names.name_of(v)); }
inline void get_value(const Json& v, TimeSource& out) { get_choice(v, time_source_names, out); }
inline Json put_value(TimeSource v) { return std::string(time_source_names.name_of(v)); }
inline void get_value(const Json& v, CeilingSource& out) { get_choice(v, ceiling_source_names, out); }
inline Json put_value(CeilingSource v) { return std::string(ceiling_source_names.name_of(v)); }
inline void get_value(const Json& v, MatchedMethod& out) { get_choice(v, matched_method_names, out); }
inline Json put_value(MatchedMethod v) { return std::string(matched_method_names.name_of(v)); }
inline void get_value(const Json& v, Domination& out) { get_choice(v, domination_names, out); }
inline Json put_value(Domination v) { return std::string(domination_names.name_of(v)); }
inline void get_value(const Json& v, HeldOut& out) { get_choice(v, held_out_names, out); }
inline Json put_value(HeldOut v) { return std::string(held_out_names.name_of(v)); }
inline void get_value(const Json& v, LatencySource& out) { get_choice(v, latency_source_names, out); }
inline Json put_value(LatencySource v) { return std::string(latency_source_names.name_of(v)); }

void get_value(const Json& j, Tool& out);
Json put_value(const Tool& s);
void get_value(const Json& j, Device& out);
Json put_value(const Device& s);
void get_value(const Json& j, AccuracyForm& out);
Json put_value(const AccuracyForm& s);
void get_value(const Json& j, AccuracyExtrapolation& out);
Json put_value(const AccuracyExtrapolation& s);
void get_value(const Json& j, AccuracyInterval& out);
Json put_value(const AccuracyInterval& s);
void get_value(const Json& j, FamilyRange& out);
Json put_value(const FamilyRange& s);
void get_value(const Json& j, AccuracySupport& out);
Json put_value(const AccuracySupport& s);
void get_value(const Json& j, AccuracyPoint& out);
Json put_value(const AccuracyPoint& s);
void get_value(const Json& j, FeatureSetTried& out);
Json put_value(const FeatureSetTried& s);
void get_value(const Json& j, GroupingPenalty& out);
Json put_value(const GroupingPenalty& s);
void get_value(const Json& j, AccuracyModel& out);
Json put_value(const AccuracyModel& s);
void get_value(const Json& j, ZooRow& out);
Json put_value(const ZooRow& s);
void get_value(const Json& j, DesignRule& out);
Json put_value(const DesignRule& s);
void get_value(const Json& j, BlockMacps& out);
Json put_value(const BlockMacps& s);
void get_value(const Json& j, BlockAtWidth& out);
Json put_value(const BlockAtWidth& s);
void get_value(const Json& j, FusedWidth& out);
Json put_value(const FusedWidth& s);
void get_value(const Json& j, FusedVsUnfused& out);
Json put_value(const FusedVsUnfused& s);
void get_value(const Json& j, RooflinePoint& out);
Json put_value(const RooflinePoint& s);
void get_value(const Json& j, Roofline& out);
Json put_value(const Roofline& s);
void get_value(const Json& j, SearchConstraints& out);
Json put_value(const SearchConstraints& s);
void get_value(const Json& j, ReferencePoint& out);
Json put_value(const ReferencePoint& s);
void get_value(const Json& j, Hypervolume& out);
Json put_value(const Hypervolume& s);
void get_value(const Json& j, RandomFrontPoint& out);
Json put_value(const RandomFrontPoint& s);
void get_value(const Json& j, SearchRun& out);
Json put_value(const SearchRun& s);
void get_value(const Json& j, MatchedConfiguration& out);
Json put_value(const MatchedConfiguration& s);
void get_value(const Json& j, MatchedTier& out);
Json put_value(const MatchedTier& s);
void get_value(const Json& j, ParetoRow& out);
Json put_value(const ParetoRow& s);
void get_value(const Json& j, ProposalRow& out);
Json put_value(const ProposalRow& s);
void get_value(const Json& j, BaselineProposals& out);
Json put_value(const BaselineProposals& s);
void get_value(const Json& j, ProofRow& out);
Json put_value(const ProofRow& s);
void get_value(const Json& j, Proof& out);
Json put_value(const Proof& s);
void get_value(const Json& j, LayerRow& out);
Json put_value(const LayerRow& s);
void get_value(const Json& j, Layers& out);
Json put_value(const Layers& s);
void get_value(const Json& j, PredictorPoint& out);
Json put_value(const PredictorPoint& s);
void get_value(const Json& j, PredictorInterval& out);
Json put_value(const PredictorInterval& s);
void get_value(const Json& j, HeldOutScores& out);
Json put_value(const HeldOutScores& s);
void get_value(const Json& j, HeldOutMethod& out);
Json put_value(const HeldOutMethod& s);
void get_value(const Json& j, PredictorAccuracy& out);
Json put_value(const PredictorAccuracy& s);
void get_value(const Json& j, RankCorrelations& out);
Json put_value(const RankCorrelations& s);
void get_value(const Json& j, OperatorRow& out);
Json put_value(const OperatorRow& s);
void get_value(const Json& j, EmulatedOp& out);
Json put_value(const EmulatedOp& s);
void get_value(const Json& j, Results& out);
Json put_value(const Results& s);

template <class T>
void get_value(const Json& v, std::vector<T>& out) {
  out.clear();
  for (const Json& e : v) get_value(e, out.emplace_back());
}
template <class T>
void get_value(const Json& v, std::optional<T>& out) {
  out.reset();
  if (!v.is_null()) get_value(v, out.emplace());
}
template <class T>
void get(const Json& j, const char* key, T& out) {
  get_value(j.at(key), out);
}
template <class T>
void get_null(const Json& j, const char* key, std::optional<T>& out) {
  get_value(j.at(key), out);
}
template <class T>
void get_absent(const Json& j, const char* key, std::optional<T>& out) {
  out.reset();
  if (j.contains(key)) get_value(j.at(key), out.emplace());
}
template <class T>
void get_opt2(const Json& j, const char* key, std::optional<std::optional<T>>& out) {
  out.reset();
  if (j.contains(key)) get_value(j.at(key), out.emplace());
}

template <class T>
Json put_value(const std::vector<T>& v) {
  Json a = Json::array();
  for (const T& e : v) a.push_back(put_value(e));
  return a;
}
template <class T>
Json put_value(const std::optional<T>& v) {
  return v ? put_value(*v) : Json(nullptr);
}
template <class T>
void put(Json& j, const char* key, const T& v) {
  j[key] = put_value(v);
}
template <class T>
void put_absent(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = put_value(*v);
}
template <class T>
void put_opt2(Json& j, const char* key, const std::optional<std::optional<T>>& v) {
  if (v) j[key] = put_value(*v);
}

}  // namespace cpx::results::io
