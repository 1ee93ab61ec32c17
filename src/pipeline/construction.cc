#include "mnemo/construction.h"

#include "mnemo/error.h"

namespace mnemo {

bool Construction::HasOption(const std::string& key) const {
  for (const OptionSpec& o : options)
    if (o.name == key) return true;
  return false;
}

const Construction& FindConstruction(const std::string& name) {
  std::vector<std::string> names;
  for (const Construction& c : Registry()) {
    if (c.name == name) return c;
    names.push_back(c.name);
  }
  std::string nearest = NearestName(name, names);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  if (!nearest.empty())
    Fail("unknown construction \"{}\"; did you mean {}? (known: {})", name, nearest, known);
  Fail("unknown construction \"{}\" (known: {})", name, known);
}

}  // namespace mnemo
