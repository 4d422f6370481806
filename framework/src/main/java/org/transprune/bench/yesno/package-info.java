/** Yes/no benchmarks: POPE (hallucination, three splits) and MME (perception and cognition subtasks). */
package org.transprune.bench.yesno;
