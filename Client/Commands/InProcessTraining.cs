using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;

namespace Countercurrent.Client.Commands;

/// <summary>`train --in-process`: the whole chain in this process, no Orleans. The baseline for the other modes.</summary>
public static class InProcessTraining
{
    public static int Run(JobSpec spec, TrainingReport report, CancellationToken cancel)
    {
        var data = DatasetCatalog.Load(spec);
        using var trainer = new InProcessTrainer(spec, data);
        var result = trainer.Run(epochDone: e => report.Epoch(e, spec.Epochs), cancel: cancel);
        report.Final("in-process", spec.JobId, JobState.Completed, result.History, result.SamplesPerSecond, result.ElapsedSeconds);
        return ExitCodes.Success;
    }
}
