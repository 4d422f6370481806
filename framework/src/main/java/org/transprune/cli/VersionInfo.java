package org.transprune.cli;

import picocli.CommandLine;

/** Reports the project, DJL and PyTorch versions. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "transprune " + org.transprune.Versions.project(),
            "DJL " + org.transprune.Versions.djl() + ", PyTorch " + org.transprune.Versions.pytorch(),
        };
    }
}
