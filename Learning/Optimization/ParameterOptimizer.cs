using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Optimization;

/// <summary>
/// An optimizer whose update the project computes itself, on the state a TorchSharp optimizer object keeps.
/// <para>
/// TorchSharp's own <c>step()</c> makes its numbers (1 - beta, the step size, the learning rate) as temporary Scalars,
/// which the garbage collector may free while libtorch still reads them (see <see cref="Tensors.TorchScalars"/>). The
/// updates here are the same arithmetic, in the same order, with every Scalar held until the call is done. The TorchSharp
/// object still owns the state tensors and writes and reads them, so checkpoints keep TorchSharp's format.
/// </para>
/// </summary>
public abstract class ParameterOptimizer(Parameter[] parameters, OptimizerHelper state) : IDisposable
{
    protected Parameter[] Parameters { get; } = parameters;

    /// <summary>The TorchSharp object holding the state, one entry per parameter in order.</summary>
    protected OptimizerHelper State { get; } = state;

    /// <summary>
    /// Drops the gradients (PyTorch's <c>set_to_none</c>, its default since 2.0) rather than filling them with zeros: the
    /// next backward pass then hands its gradient over instead of adding it to a zeroed one, two fewer passes over
    /// each parameter's memory. A parameter the next pass gives no gradient is left alone by <see cref="Step"/>.
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters)
        {
            parameter.grad = null;
        }
    }

    /// <summary>
    /// One update of every parameter that has a gradient, without an autograd graph, with each gradient first scaled by
    /// <paramref name="gradientScale"/> (gradient clipping's factor; 1 leaves them as they are).
    /// </summary>
    public void Step(float gradientScale = 1)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < Parameters.Length; i++)
        {
            var parameter = Parameters[i];
            var gradient = parameter.grad;
            if (gradient is not null)
            {
                Update(i, parameter, gradient, gradientScale);
            }
        }
    }

    /// <summary>
    /// Updates parameter <paramref name="index"/> from its gradient times <paramref name="gradientScale"/>; temporaries
    /// are disposed by the caller's scope.
    /// </summary>
    protected abstract void Update(int index, Parameter parameter, Tensor gradient, float gradientScale);

    /// <summary>Scales the gradient in place, as libtorch's gradient clipping does (<c>grad.mul_(coefficient)</c>).</summary>
    protected static void Scale(Tensor gradient, float gradientScale)
    {
        if (gradientScale != 1)
        {
            using var factor = ((double)gradientScale).ToScalar();
            gradient.mul_(factor);
        }
    }

    public void Save(BinaryWriter writer) => State.save_state_dict(writer);

    public void Load(BinaryReader reader) => State.load_state_dict(reader);

    public void Dispose()
    {
        DisposeNumbers();
        State.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the Scalars the subclass holds.</summary>
    protected abstract void DisposeNumbers();
}
