/**
 * A strategy from outside the project, as a third-party jar would ship it: it uses only the
 * public SPI and registers itself in its own {@code META-INF/services} file.
 */
package org.example.plugin;
