#include "predictor/calibration_record.hpp"

namespace cpx::predictor {

Json to_json(const DeviceInterval& i) {
  Json j = {{"level", i.level}, {"method", i.method}, {"error_low", i.error_low}, {"error_high", i.error_high}};
  j["coverage"] = {{"share", i.coverage.share}, {"how", i.coverage.how}};
  j["interval_method"] = to_string(i.interval_method);
  if (i.pooled) {
    const PooledSizing& p = *i.pooled;
    j["pooled"] = {{"own_groups", p.own_groups},
                   {"own_variance", p.own_variance ? Json(*p.own_variance) : Json(nullptr)},
                   {"own_dof", p.own_dof},
                   {"pooled_devices", p.prior.devices},
                   {"pooled_variance", p.prior.variance},
                   {"prior_dof", p.prior.dof},
                   {"variance", p.variance},
                   {"dof", p.dof},
                   {"t", p.t},
                   {"centre", p.centre},
                   {"half_width", p.half_width}};
  }
  if (i.seen_family)
    j["seen_family"] = {{"error_low", i.seen_family->error_low},
                        {"error_high", i.seen_family->error_high},
                        {"how", i.seen_family->how}};
  return j;
}

DeviceInterval device_interval_from_json(const Json& j, const Where& where) {
  DeviceInterval i;
  ObjectReader r(j, where);
  i.level = r.number("level", 0.01, 0.99);
  i.method = r.string("method");
  i.error_low = r.number("error_low", device_error_min, device_error_max);
  i.error_high = r.number("error_high", i.error_low, device_error_max);
  {
    ObjectReader c(r.raw("coverage"), r.at("coverage"));
    i.coverage = DeviceInterval::Coverage{c.number("share", 0, 1), c.string("how")};
    c.finish();
  }
  {
    const auto m = find_interval_method(r.string("interval_method"));
    if (!m) r.at("interval_method").fail(r.raw("interval_method"), "not an interval method (percentile, pooled_t)");
    i.interval_method = *m;
  }
  if (r.has("pooled")) {
    ObjectReader p(r.raw("pooled"), r.at("pooled"));
    PooledSizing& s = *(i.pooled = PooledSizing{});
    s.own_groups = p.integer("own_groups", 0, 1000000);
    if (!p.raw("own_variance").is_null()) s.own_variance = p.number("own_variance", 0, 100);
    s.own_dof = p.number("own_dof", 0, 1e6);
    const Json& devices = p.raw("pooled_devices");
    if (!devices.is_array()) p.at("pooled_devices").fail(devices, "expected a list of device names");
    for (const Json& d : devices) {
      if (!d.is_string()) p.at("pooled_devices").fail(d, "expected a device name");
      s.prior.devices.push_back(d.get<std::string>());
    }
    s.prior.variance = p.number("pooled_variance", 0, 100);
    s.prior.dof = p.number("prior_dof", 0, 1e6);
    s.variance = p.number("variance", 0, 100);
    s.dof = p.number("dof", 0, 1e6);
    s.t = p.number("t", 0, 1e6);
    s.centre = p.number("centre", -100, 100);
    s.half_width = p.number("half_width", 0, 100);
    p.finish();
  }
  if (r.has("seen_family")) {
    ObjectReader s(r.raw("seen_family"), r.at("seen_family"));
    const double low = s.number("error_low", device_error_min, device_error_max);
    i.seen_family = DeviceInterval::SeenFamily{low, s.number("error_high", low, device_error_max), s.string("how")};
    s.finish();
  }
  r.finish();
  return i;
}

Json to_json(const UncalibratedSizing& u, double factor) {
  if (u.spread) {
    Json deviations = Json::object();  // by kind, in the order of the names (OpKind's)
    for (const auto& [kind, per_device] : u.spread->deviations) deviations[to_string(kind)] = per_device;
    return {{"rule", u.rule}, {"devices", u.spread->devices}, {"deviations", deviations}};
  }
  Json j = {{"cases", u.factor->cases}, {"rule", u.rule}, {"sized", u.factor->sized}};
  if (u.factor->coverage_unwidened) j["coverage_unwidened"] = *u.factor->coverage_unwidened;
  if (u.factor->coverage_widened) j["coverage_widened"] = *u.factor->coverage_widened;
  j["factor"] = factor;
  return j;
}

UncalibratedSizing uncalibrated_sizing_from_json(const Json& j, const Where& where, double factor) {
  UncalibratedSizing u;
  ObjectReader r(j, where);
  u.rule = r.string("rule");
  if (r.has("devices")) {
    // Assigned, not emplace()d: clang 14 takes a nested struct with default member initialisers for not
    // default-constructible while its enclosing class is incomplete, as it is where the optional is declared.
    UncalibratedSizing::Spread& s = *(u.spread = UncalibratedSizing::Spread{});
    const Json& devices = r.raw("devices");
    if (!devices.is_array()) r.at("devices").fail(devices, "expected a list of device names");
    for (const Json& d : devices) {
      if (!d.is_string()) r.at("devices").fail(d, "expected a device name");
      s.devices.push_back(d.get<std::string>());
    }
    ObjectReader kinds(r.raw("deviations"), r.at("deviations"));
    for (const auto& [kind, per_device] : r.raw("deviations").items()) {
      ObjectReader k(kinds.raw(kind), kinds.at(kind));
      const std::optional<OpKind> parsed = parse_op_kind(kind);
      if (!parsed) kinds.at(kind).fail("not a kind of work; e.g. dense conv 3x3, depthwise 7x7 dilated, gelu");
      for (const auto& [device, v] : per_device.items()) s.deviations[*parsed][device] = k.number(device, -100, 100);
      k.finish();
    }
    kinds.finish();
  } else {
    UncalibratedSizing::Factor& f = *(u.factor = UncalibratedSizing::Factor{});
    f.cases = r.integer("cases", 0, 1000000);
    f.sized = r.boolean("sized", false);
    if (r.has("coverage_unwidened")) f.coverage_unwidened = r.number("coverage_unwidened", 0, 1);
    if (r.has("coverage_widened")) f.coverage_widened = r.number("coverage_widened", 0, 1);
    if (const double F = r.number("factor", 1, 100); F != factor)
      r.at("factor").fail(r.raw("factor"), "expected the device's uncalibrated_factor, " + Json(factor).dump());
  }
  r.finish();
  return u;
}

}  // namespace cpx::predictor
