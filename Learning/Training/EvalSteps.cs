namespace Countercurrent.Learning.Training;

/// <summary>
/// The step numbers evaluation batches carry, the same in process and on grains so that rules that draw noise per step
/// (NoProp's inference starts from noise) evaluate identically in both. Training steps are 0 and up; test batch b is
/// step -1-b; validation batch b is <see cref="ValidationBase"/>-b, far below any test batch, so a validation batch
/// never shares a step number with a test batch (nor with a training step) on a layer.
/// </summary>
public static class EvalSteps
{
    /// <summary>Step of validation batch 0; test sets would need over 10^12 batches to reach it.</summary>
    public const long ValidationBase = -(1L << 40);

    public static long Test(int batch) => -1 - batch;

    public static long Validation(int batch) => ValidationBase - batch;

    /// <summary>The step number of batch <paramref name="batch"/> of an evaluation of the test or the validation set.</summary>
    public static long For(bool validation, int batch) => validation ? Validation(batch) : Test(batch);
}
