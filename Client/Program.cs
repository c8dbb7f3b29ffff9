using Countercurrent.Client;

return await ClientApp.RunAsync(args);
