#include "radix_shim.h"
