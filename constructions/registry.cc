// The one explicit list of constructions (no static self-registration).
#include "constructions/zhang.h"
#include "mnemo/construction.h"

namespace mnemo {

const std::vector<Construction>& Registry() {
  static const std::vector<Construction> registry = {
      ZhangConstruction(),
  };
  return registry;
}

}  // namespace mnemo
