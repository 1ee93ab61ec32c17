// The one explicit list of constructions (no static self-registration).
#include "constructions/baum.h"
#include "constructions/bubeck.h"
#include "constructions/vershynin.h"
#include "constructions/yun.h"
#include "constructions/zhang.h"
#include "constructions/bitextract.h"
#include "mnemo/construction.h"

namespace mnemo {

const std::vector<Construction>& Registry() {
  static const std::vector<Construction> registry = {
      ZhangConstruction(),
      BitextractConstruction(),
      BaumConstruction(),
      BubeckConstruction(),
      YunConstruction(),
      VershyninConstruction(),
  };
  return registry;
}

}  // namespace mnemo
