/** The l2norm strategy plug-in: keeps the image tokens with the largest hidden-state L2 norm. */
package org.example.l2norm;
