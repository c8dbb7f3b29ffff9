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

    /// <summary>Clips the gradients (when asked) and applies one update.</summary>
    public void Step()
    {
        using var span = Telemetry.CountercurrentTelemetry.Source.StartActivity("update");
        if (_clip > 0)
        {
            nn.utils.clip_grad_norm_(_parameters, _clip);
        }
        _optimizer.Step();
    }

    public void Save(BinaryWriter writer) => _optimizer.Save(writer);

    public void Load(BinaryReader reader) => _optimizer.Load(reader);

    public void Dispose() => _optimizer.Dispose();
}
