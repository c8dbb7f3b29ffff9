using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using Countercurrent.Learning.Tensors;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// NoProp-DT (Li, Teh and Pascanu 2025, arXiv 2503.24322): T denoising blocks and a classifier. Block t sees the raw
/// input x (it travels with every forward signal) and a noised label embedding z_(t-1), and learns to predict the
/// clean embedding u_y with its own loss (<see cref="NoPropSchedule"/>); in training it draws z_(t-1) ~ q(z_(t-1) | y)
/// itself from the label, so no block consumes another block's output and none sends anything down. The top layer is
/// the paper's final classifier p(y | z_T), a linear map trained by cross-entropy on z_T ~ q(z_T | y); as in the
/// paper, where that term is part of every block's objective, it takes T steps per batch.
/// <para>
/// Inference chains the blocks from noise: block 1 draws z_0 ~ N(0, I), block t sends the mean of the paper's step,
/// z_t = a_t u_hat_t + b_t z_(t-1), up, and the classifier reads z_T. Leaving out the step's noise sqrt(c_t) eps is our
/// choice, not the paper's: with it the chain samples a class instead of taking the most likely one, and on
/// Fashion-MNIST it cost 6 points of test accuracy after one epoch (0.783 against 0.846, docs/results-local-rules.md).
/// Noise is drawn from generators seeded by layer and step, so runs repeat exactly.
/// </para>
/// <para>
/// Variant: fixed one-hot class embeddings (W_Embed = I, so d = number of classes); with them the paper's KL term is a
/// constant and is left out, and blocks and classifier share no trainable parameter. A block's prediction is the
/// softmax of its logits times W_Embed, as in the paper; eta = 0.1 and the cosine schedule as in the paper's NoProp-DT.
/// </para>
/// <para>
/// Model string: <c>mlp:784-256x10-10</c> with rule noprop on every layer is ten denoising blocks of hidden width 256
/// (<see cref="DenoisingBlock"/>) and the classifier; the chain is reshaped by <c>NoPropModel</c> so that what travels
/// between layers is z (d wide).
/// </para>
/// </summary>
public sealed class NoPropRule : ILearningRule
{
    public const string RuleName = "noprop";

    /// <summary>Weight of the denoising loss in the paper's objective.</summary>
    public const double Eta = 0.1;

    private readonly LayerContext _context;
    private readonly NoPropSchedule _schedule;
    private readonly DenoisingBlock? _denoiser;
    private readonly Block? _classifier;
    private readonly nn.Module _module;
    private readonly Tensor _embeddings;
    private readonly LayerOptimizer _optimizer;
    private readonly int _t;

    public NoPropRule(LayerContext context)
    {
        _context = context;
        _schedule = new NoPropSchedule(context.Chain.Length - 1);
        _t = context.Index + 1;
        var classes = context.Chain[^1].OutputFeatures;
        _embeddings = eye(classes, device: context.Device).DetachFromDisposeScope();
        if (context.IsTop)
        {
            _module = _classifier = new Block(context.Layer, context.Device, context.Seed(0));
        }
        else
        {
            _module = _denoiser = new DenoisingBlock(context.Layer, context.Chain[0].InputFeatures, _embeddings.shape[1], classes, context.Device, context.Seed(0));
        }
        _optimizer = new LayerOptimizer(_module.parameters(), context.Job);
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _optimizer.Parameters;
    public int PendingSteps => 0;

    /// <summary>The noise schedule this block uses.</summary>
    public NoPropSchedule Schedule => _schedule;

    public RuleOutput Forward(ForwardBatch batch) =>
        _context.IsTop ? Classify(batch) : Denoise(batch);

    public RuleOutput Feedback(FeedbackBatch feedback) =>
        throw new InvalidOperationException($"{RuleName} blocks learn to denoise the label on their own and take no feedback, but {feedback.Kind} arrived from layer {feedback.FromLayer}");

    /// <summary>The prediction u_hat of the label embedding from the block's logits: softmax(logits) W_Embed.</summary>
    private Tensor Prediction(Tensor logits) => nn.functional.softmax(logits, 1).matmul(_embeddings);

    private RuleOutput Denoise(ForwardBatch batch)
    {
        var input = batch.Input ?? throw new InvalidOperationException($"{RuleName} needs the raw input with every forward signal, and none came");
        using var generator = new Generator(_context.StepSeed(1, batch.Step));
        if (batch.Phase == Phase.Eval)
        {
            using var _ = no_grad();
            var previous = _t == 1 ? NoPropSchedule.Noise([input.shape[0], _embeddings.shape[1]], input.device, generator) : batch.Activation;
            var predicted = Prediction(_denoiser!.forward(input, previous));
            return new RuleOutput(Up: batch with { Activation = _schedule.StepMean(_t, predicted, previous) });
        }
        var target = LabelEmbeddings(batch.Labels!);
        var noised = _schedule.Noised(_t - 1, target, generator);
        var prediction = Prediction(_denoiser!.forward(input, noised));
        using var weight = _schedule.LossWeight(_t, Eta).ToScalar();
        var loss = (prediction - target).Squared().sum(1).mean().mul(weight);
        // The block above ignores this in training (it draws its own z from the label); it is z_t as inference would make it
        // from this block's noised input.
        return new RuleOutput(
            Up: batch with { Activation = _schedule.StepMean(_t, prediction.detach(), noised) },
            Loss: loss.item<float>(),
            Update: _optimizer.UpdateFrom(loss));
    }

    private RuleOutput Classify(ForwardBatch batch)
    {
        if (batch.Phase == Phase.Eval)
        {
            using var _ = no_grad();
            return new RuleOutput(Eval: Classification.Tally(_classifier!.forward(batch.Activation), batch.Labels!));
        }
        using var generator = new Generator(_context.StepSeed(1, batch.Step));
        var embeddings = LabelEmbeddings(batch.Labels!);
        // In the paper every block's objective holds the cross-entropy term, so theta_out takes T steps per batch.
        var losses = 0f;
        for (var t = 1; t <= _schedule.Blocks; t++)
        {
            var noised = _schedule.Noised(_schedule.Blocks, embeddings, generator);
            var loss = Classification.Loss(_classifier!.forward(noised), batch.Labels!);
            _optimizer.ZeroGrad();
            loss.backward();
            _optimizer.Step();
            losses += loss.item<float>();
        }
        return new RuleOutput(Loss: losses / _schedule.Blocks);
    }

    /// <summary>u_y for each label: rows of W_Embed.</summary>
    private Tensor LabelEmbeddings(Tensor labels) => _embeddings.index_select(0, labels);

    public void Save(BinaryWriter writer)
    {
        _module.save(writer);
        _optimizer.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _module.load(reader);
        _optimizer.Load(reader);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _module.Dispose();
        _embeddings.Dispose();
    }
}
