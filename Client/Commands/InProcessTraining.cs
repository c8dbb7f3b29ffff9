using Countercurrent.Contracts.Jobs;
using Countercurrent.Learning.Data;
using Countercurrent.Learning.Training;

namespace Countercurrent.Client.Commands;

/// <summary>`train --in-process`: the whole chain in this process, no Orleans. The baseline for the other modes.</summary>
public static class InProcessTraining
{
    public static int Run(JobSpec spec, TrainingReport report, string plotPath, CancellationToken cancel)
    {
        var data = DatasetCatalog.Load(spec);
        using var trainer = new InProcessTrainer(spec, data);
        var result = trainer.Run(epochDone: e => report.Epoch(e, spec.Epochs), cancel: cancel);
        var stepsPerEpoch = new BatchOrder(data.Train.Count, spec.BatchSize, spec.Seed, 0, maxSteps: spec.MaxStepsPerEpoch).StepCount;
        var plotError = LearningCurveFile.TryWrite(plotPath, $"{spec.JobId}: {spec.Model} {string.Join(",", spec.Rules)} (in process)", result.LossCurve, result.History, stepsPerEpoch);
        report.Final("in-process", spec.JobId, JobState.Completed, result.History, result.SamplesPerSecond, result.ElapsedSeconds, plot: plotError is null ? plotPath : null,
            best: result.Best, final: result.Final);
        if (plotError is not null)
        {
            Console.Error.WriteLine($"error: {plotError}");
        }
        return LearningCurveFile.ExitCode(ExitCodes.Success, plotError);
    }
}
