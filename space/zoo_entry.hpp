// A zoo entry and the published figures it carries: what the zoo (space/zoo.hpp, its registry zoo.cpp)
// lists and every family file under space/zoo/ builds, below both.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "space/macro.hpp"

namespace cpx {

// One row of data/published_models.csv (a model as one source reports it).
struct PublishedFigures {
  std::string model;  // as the source writes it
  std::string source;
  std::string value_kind;  // reported, digitized_from_figure, re-evaluated
  std::optional<double> params_m, macs_m, top1;
  std::optional<int64_t> resolution;
  std::map<std::string, double> devices;  // column name (e.g. "rpi5_ms") -> value
  std::string notes;
};

struct ZooEntry {
  std::string name;            // what users type: "b0"
  std::string family;          // "CPUBone"
  std::string description;     // one line: what the network is
  std::string published_name;  // model name in the published CSV, "" if none
  // The same network under another source's name (FasterNet's Table 3 calls MobileNetV2 1.0 "MobileNetV2").
  std::vector<std::string> published_aliases;
  // A source whose rows under these names are not this network as counted here (a MAC count no
  // convention reproduces, so an unknown resolution or variant): those rows are not linked, and calibrate
  // skips them. Matched as a substring of the CSV's source column; empty for none.
  std::string unlinked_source;
  // Work the original network runs that this one leaves out and that costs real time (an operator this
  // toolkit cannot express, not a data movement): its published latencies are not this network's, so
  // calibrate neither fits nor scores on them, and says so. Empty for none.
  std::string unmodelled_work;
  int64_t resolution = 224;                          // published evaluation resolution
  std::optional<Macro> macro;                        // set for networks of the macro form
  std::function<Network(int64_t resolution)> build;  // every entry has one
  std::vector<PublishedFigures> published;           // every CSV row of published_name, then of each alias

  // Whether a CSV row is this network: its model name is published_name or an alias, and its source
  // (when known) is not unlinked_source.
  bool published_as(std::string_view model, std::string_view source = {}) const;

  // Top-1 as the authors report it (first "reported" row), else any row's.
  std::optional<double> top1() const;
};

}  // namespace cpx
