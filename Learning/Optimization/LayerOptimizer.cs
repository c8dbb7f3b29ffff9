using Countercurrent.Contracts.Jobs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Optimization;

/// <summary>One layer's optimizer (SGD with momentum and weight decay, or Adam) with per-layer gradient clipping; each update is an "update" span in a sampled step's trace.</summary>
public sealed class LayerOptimizer : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly ParameterOptimizer _optimizer;
    private readonly double _clip;

    public LayerOptimizer(IEnumerable<Parameter> parameters, JobSpec spec)
    {
        _parameters = parameters.ToArray();
        _clip = spec.GradClip;
        _optimizer = spec.Optimizer switch
        {
            "sgd" => new SgdOptimizer(_parameters, spec),
            "adam" => (ParameterOptimizer)new AdamOptimizer(_parameters, spec),
            _ => throw new ArgumentException($"optimizer '{spec.Optimizer}' is unknown"),
        };
    }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public void ZeroGrad() => _optimizer.ZeroGrad();

    /// <summary>
    /// The update as a rule's <see cref="Rules.RuleOutput.Update"/>: gradients from <paramref name="output"/>'s graph
    /// (a scalar loss, or an output with its <paramref name="gradient"/>) into this optimizer's parameters only, then
    /// <see cref="Step"/>. Other leaves of the graph are left alone, so an input whose gradient was sent on keeps it.
    /// It takes <paramref name="output"/> and <paramref name="gradient"/> out of the caller's dispose scope and disposes
    /// them when it has run, and <paramref name="owned"/> (a stash holding them) too.
    /// </summary>
    public Action UpdateFrom(Tensor output, Tensor? gradient = null, IDisposable? owned = null)
    {
        output.DetachFromDisposeScope();
        gradient?.DetachFromDisposeScope();
        return () =>
        {
            using (owned)
            using (output)
            using (gradient)
            {
                ZeroGrad();
                output.backward(gradient is null ? null : [gradient], inputs: _parameters);
                Step();
            }
        };
    }

    /// <summary>Clips the gradients (when asked) and applies one update.</summary>
    public void Step()
    {
        using var span = Telemetry.CountercurrentTelemetry.Source.StartActivity("update");
        _optimizer.Step(_clip > 0 ? ClipScale() : 1);
    }

    /// <summary>
    /// The factor that brings the gradients' joint 2-norm down to the clip, computed as libtorch's
    /// <c>clip_grad_norm_</c> computes it (the norm of the per-parameter norms; min(1, clip / (norm + 1e-6)) in float);
    /// the optimizer applies it as it updates, so the gradients are not rewritten first (a pass over their memory).
    /// </summary>
    private float ClipScale()
    {
        using var scope = NewDisposeScope();
        var norms = new List<Tensor>(_parameters.Length);
        foreach (var parameter in _parameters)
        {
            if (parameter.grad is { } gradient)
            {
                norms.Add(gradient.norm());
            }
        }
        if (norms.Count == 0)
        {
            return 1;
        }
        var total = (norms.Count == 1 ? norms[0] : stack(norms).norm()).item<float>();
        return MathF.Min((float)_clip / (total + (float)ClipEpsilon), 1);
    }

    /// <summary>What libtorch adds to the norm before dividing.</summary>
    private const double ClipEpsilon = 1e-6;

    public void Save(BinaryWriter writer) => _optimizer.Save(writer);

    public void Load(BinaryReader reader) => _optimizer.Load(reader);

    public void Dispose() => _optimizer.Dispose();
}
