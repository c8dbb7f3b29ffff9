using Countercurrent.Silo.Hosting;

Countercurrent.Learning.TorchRuntime.PrepareEnvironment();
return await SiloProgram.RunAsync(args, Console.Error);
