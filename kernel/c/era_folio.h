/* SPDX-License-Identifier: GPL-2.0-only */
/* daxlock kernel target: the folio era (6.15 on, 7.1): not written yet. */
#error "folio era: shims not written yet"
