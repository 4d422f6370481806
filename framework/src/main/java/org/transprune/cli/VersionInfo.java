package org.transprune.cli;

import org.transprune.Versions;
import picocli.CommandLine;

/** Reports the project, DJL and PyTorch versions. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "transprune " + Versions.project(), "DJL " + Versions.djl() + ", PyTorch " + Versions.pytorch(),
        };
    }
}
