using Countercurrent.Contracts.Signals;
using Countercurrent.Learning.Layers;
using Countercurrent.Learning.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Countercurrent.Learning.Rules;

/// <summary>
/// Forward-forward (Hinton 2022), supervised: each layer learns to give high <see cref="Goodness"/> to positive data
/// (an image with its true label embedded, <see cref="LabelEmbedding"/>) and low goodness to negative data (the same
/// image with a wrong label), with no signal from above. Every layer length-normalises its input first.
/// <para>
/// What travels: in training, layer 0 builds three blocks of rows from the batch of B images, [positive; negative;
/// neutral] (neutral: no label shown), and every layer passes its activities for all 3B rows up; the labels travel
/// unchanged (B rows). Wrong labels are drawn from a generator seeded by layer and step, so every process draws the
/// same ones. In evaluation only the neutral rows travel.
/// </para>
/// <para>
/// Inference: the top layer is a linear readout (as in loeweX/Forward-Forward's downstream classifier, but on the top
/// layer's input only), trained by cross-entropy on the length-normalised activities of the neutral rows with its input
/// detached. So a model <c>mlp:784-1000-1000-10</c> has two forward-forward layers and a 1000-to-10 readout.
/// </para>
/// </summary>
public sealed class ForwardForwardRule : ILearningRule
{
    public const string RuleName = "ff";

    /// <summary>Row blocks of a training batch: positive, negative, neutral.</summary>
    public const int RowBlocks = 3;

    private readonly LayerContext _context;
    private readonly Block _block;
    private readonly LayerOptimizer _optimizer;
    private readonly int _classes;
    private readonly double _threshold;

    public ForwardForwardRule(LayerContext context)
    {
        _context = context;
        _block = new Block(context.Layer, context.Device, context.Seed(0));
        _optimizer = new LayerOptimizer(_block.parameters(), context.Job);
        _classes = (int)context.Chain[^1].OutputFeatures;
        _threshold = context.Layer.OutputFeatures;
    }

    public string Name => RuleName;
    public IReadOnlyList<Parameter> ForwardParameters => _optimizer.Parameters;
    public int PendingSteps => 0;

    /// <summary>Goodness above which a sample counts as positive: the layer's number of outputs.</summary>
    public double Threshold => _threshold;

    public RuleOutput Forward(ForwardBatch batch)
    {
        var input = Goodness.LengthNormalised(_context.IsBottom ? WithLabels(batch) : batch.Activation);
        if (_context.IsTop)
        {
            return Readout(batch, input);
        }
        if (batch.Phase == Phase.Eval)
        {
            using var _ = no_grad();
            return new RuleOutput(Up: batch with { Activation = _block.forward(input) });
        }
        var rows = RowsPerBlock(batch, input);
        var z = _block.forward(input.detach());
        var goodness = Goodness.Of(z.narrow(0, 0, 2 * rows));
        var loss = Goodness.Loss(goodness.narrow(0, 0, rows), goodness.narrow(0, rows, rows), _threshold);
        return new RuleOutput(Up: batch with { Activation = z.detach() }, Loss: loss.item<float>(), Update: _optimizer.UpdateFrom(loss));
    }

    public RuleOutput Feedback(FeedbackBatch feedback) =>
        throw new InvalidOperationException($"{RuleName} learns from positive and negative data alone and takes no feedback, but {feedback.Kind} arrived from layer {feedback.FromLayer}");

    /// <summary>Layer 0: the images with labels embedded, [positive; negative; neutral] in training, neutral in evaluation.</summary>
    private Tensor WithLabels(ForwardBatch batch)
    {
        var images = batch.Activation;
        var rows = images.shape[0];
        var neutral = LabelEmbedding.Embed(images, LabelEmbedding.Neutral(rows, _classes, images.device));
        if (batch.Phase == Phase.Eval)
        {
            return neutral;
        }
        using var generator = new Generator(_context.StepSeed(1, batch.Step));
        var wrong = LabelEmbedding.WrongLabels(batch.Labels!, _classes, generator);
        var positive = LabelEmbedding.Embed(images, LabelEmbedding.OneHot(batch.Labels!, _classes));
        var negative = LabelEmbedding.Embed(images, LabelEmbedding.OneHot(wrong, _classes));
        return cat([positive, negative, neutral], 0);
    }

    private RuleOutput Readout(ForwardBatch batch, Tensor input)
    {
        if (batch.Phase == Phase.Eval)
        {
            using var _ = no_grad();
            return new RuleOutput(Eval: Classification.Tally(_block.forward(input), batch.Labels!));
        }
        var rows = RowsPerBlock(batch, input);
        var logits = _block.forward(input.narrow(0, 2 * rows, rows).detach());
        var loss = Classification.Loss(logits, batch.Labels!);
        return new RuleOutput(Loss: loss.item<float>(), Update: _optimizer.UpdateFrom(loss));
    }

    private static long RowsPerBlock(ForwardBatch batch, Tensor input)
    {
        var rows = batch.Labels!.shape[0];
        if (input.shape[0] != RowBlocks * rows)
        {
            throw new InvalidOperationException(
                $"{RuleName} expects {RowBlocks} x {rows} rows (positive, negative, neutral) for {rows} labels, but {input.shape[0]} arrived");
        }
        return rows;
    }

    public void Save(BinaryWriter writer)
    {
        _block.save(writer);
        _optimizer.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _block.load(reader);
        _optimizer.Load(reader);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _block.Dispose();
    }
}
