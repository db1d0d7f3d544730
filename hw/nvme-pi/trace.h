#include "trace/trace-hw_nvme_pi.h"
