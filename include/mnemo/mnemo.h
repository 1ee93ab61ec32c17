// mnemo: neural networks that memorize a dataset by construction, proven by exact evaluation.
// The umbrella header: every public concept of the core and the constructions.
#pragma once

#include "mnemo/assembler.h"
#include "mnemo/bounds.h"
#include "mnemo/construction.h"
#include "mnemo/dataset.h"
#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/exact.h"
#include "mnemo/io.h"
#include "mnemo/network.h"
#include "mnemo/options.h"
#include "mnemo/pipeline.h"
#include "mnemo/progress.h"
#include "mnemo/random.h"
#include "mnemo/report.h"
#include "mnemo/table.h"
#include "mnemo/verify.h"
