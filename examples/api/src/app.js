const express = require('express');
const products = require('./routes/products');
const orders = require('./routes/orders');
const auth = require('./routes/auth');
const importer = require('./routes/import');

const app = express();
app.use(express.json({ limit: '5mb' }));
app.use('/products', products);
app.use('/orders', orders);
app.use('/auth', auth);
app.use('/import', importer);

app.listen(3000);
