using Countercurrent.Client;

Countercurrent.Learning.TorchRuntime.PrepareEnvironment();
return await ClientApp.RunAsync(args);
