// The Vega-Lite building blocks the report's charts share: encodings, transforms, and the spec every chart
// starts from (its title names the device, runtime and accuracy model; its data are the named data sets).
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "reports/parts.hpp"

namespace cpx::reports {

// A quantitative or nominal encoding of `field`.
Json q(const std::string& field, const std::string& title, const std::string& format = "");
Json nom(const std::string& field, const std::string& title);
// `enc` on a scale of `scale_type` ("linear", "log"), its format moved to the axis.
Json axis(Json enc, const std::string& scale_type, bool zero = false);
// The data of a layer: the named data set.
Json from(const std::string& name);
// A transform that sets field `as` to the string `value` on every row.
Json literal(const std::string& as, const std::string& value);
// Data sets hold latencies in microseconds, as the results do; charts show milliseconds, converted by
// the chart itself so that data/*.csv stays what the results say. Each X_us becomes X_ms, after `then`.
Json in_ms(std::initializer_list<std::string> fields_us, std::initializer_list<Json> then = {});
// A chart's spec with its title, subtitle (device and accuracy model), size, and the named data sets.
Json base_spec(const Results& r, const Report& report, const std::string& title, const std::vector<std::string>& data);

// How many of a data set's rows `has` holds for.
template <class Row, class Has>
size_t count_rows(const std::vector<Row>& rows, Has has) {
  return static_cast<size_t>(std::count_if(rows.begin(), rows.end(), has));
}

inline const std::string& device_name(const Results& r) { return r.device.name; }

}  // namespace cpx::reports
