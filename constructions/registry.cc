// The one explicit list of constructions (no static self-registration).
#include "constructions/zhang.h"
#include "constructions/bitextract.h"
#include "mnemo/construction.h"

namespace mnemo {

const std::vector<Construction>& Registry() {
  static const std::vector<Construction> registry = {
      ZhangConstruction(),
      BitextractConstruction(),
  };
  return registry;
}

}  // namespace mnemo
